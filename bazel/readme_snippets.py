"""Writes each ```cpp block of README.md to a file of its own, for compilation.

Usage: readme_snippets.py README.md OUT_0.cc OUT_1.cc ...

Every C++ block of the README is a whole translation unit (its includes and the
helpers it needs are in the block), so each output compiles alone. Fails when the
README has another number of C++ blocks than outputs are given: the BUILD file then
lists the wrong number of snippets.
"""

import re
import sys


def main(argv):
    readme, outputs = argv[1], argv[2:]
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    blocks = re.findall(r"^```cpp\n(.*?)^```", text, re.M | re.S)
    if len(blocks) != len(outputs):
        sys.stderr.write(
            "readme_snippets: README.md has %d C++ blocks, the BUILD file expects "
            "%d: update README_SNIPPETS in //:BUILD\n" % (len(blocks), len(outputs)))
        return 1
    for index, (block, output) in enumerate(zip(blocks, outputs)):
        line = text[: text.index(block)].count("\n") + 1
        with open(output, "w", encoding="utf-8") as f:
            f.write("// README.md, C++ block %d (line %d).\n" % (index, line))
            f.write(block)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
