// Copyright 2026 The multirun Authors.

#include "multirun/base/run_inline.h"

#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <stdexcept>
#include <vector>

#include "gtest/gtest.h"

namespace multirun {
namespace base_internal {
namespace {

TEST(RunInlineTest, RunsAtOnceWhenShallow) {
  bool ran = false;
  RunInline([&ran] { ran = true; });
  EXPECT_TRUE(ran);
  EXPECT_FALSE(HasQueuedInline());
}

TEST(RunInlineTest, NestedRunsAtOnceUpToTheDepthBoundThenQueues) {
  // level(j) runs at nesting depth j and calls RunInline for level j + 1;
  // ran_nested[j] says whether level j + 1 had run when that call returned.
  constexpr int kLevels = kMaxInlineDepth + 3;
  std::vector<int> ran(kLevels + 2, 0);
  std::vector<int> ran_nested(kLevels + 2, -1);
  std::function<void(int)> level = [&](int j) {
    ran[j] = 1;
    if (j == kLevels) return;
    RunInline([&, j] { level(j + 1); });
    ran_nested[j] = ran[j + 1];
  };
  RunInline([&] { level(1); });
  for (int j = 1; j < kMaxInlineDepth; ++j) {
    EXPECT_EQ(ran_nested[j], 1) << "level " << j;
  }
  EXPECT_EQ(ran_nested[kMaxInlineDepth], 0);
  for (int j = 1; j <= kLevels; ++j) EXPECT_EQ(ran[j], 1) << "level " << j;
  EXPECT_FALSE(HasQueuedInline());
}

TEST(RunInlineTest, AMillionNestedRunsUseBoundedStack) {
  int count = 0;
  std::function<void()> step = [&] {
    if (++count < 1'000'000) RunInline(step);
  };
  RunInline(step);
  EXPECT_EQ(count, 1'000'000);
  EXPECT_FALSE(HasQueuedInline());
}

TEST(RunInlineTest, QueuedFunctionsRunInOrderAfterTheOutermost) {
  std::vector<int> order;
  std::function<void(int)> nest = [&](int depth) {
    if (depth < kMaxInlineDepth) {
      RunInline([&, depth] { nest(depth + 1); });
      return;
    }
    // At the bound: these two are queued, in this order.
    RunInline([&] { order.push_back(1); });
    RunInline([&] { order.push_back(2); });
    order.push_back(0);
  };
  nest(0);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

TEST(RunInlineTest, AWaitRunsTheQueueFirst) {
  bool queued_ran = false;
  bool seen_by_wait = false;
  std::function<void(int)> nest = [&](int depth) {
    if (depth < kMaxInlineDepth) {
      RunInline([&, depth] { nest(depth + 1); });
      return;
    }
    RunInline([&] { queued_ran = true; });
    EXPECT_FALSE(queued_ran);
    EXPECT_TRUE(HasQueuedInline());
    EXPECT_TRUE(RunQueuedInline());  // What a blocking wait does.
    seen_by_wait = queued_ran;
  };
  nest(0);
  EXPECT_TRUE(seen_by_wait);
  EXPECT_FALSE(RunQueuedInline());
}

TEST(RunInlineTest, AQueuedFunctionThatThrowsIsDroppedAndTheRestRun) {
  bool after_ran = false;
  std::function<void(int)> nest = [&](int depth) {
    if (depth < kMaxInlineDepth) {
      RunInline([&, depth] { nest(depth + 1); });
      return;
    }
    RunInline([] { throw std::runtime_error("queued"); });
    RunInline([&] { after_ran = true; });
  };
  testing::internal::CaptureStderr();
  nest(0);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(after_ran);
  EXPECT_NE(err.find("queued"), std::string::npos) << err;
}

TEST(RunInlineTest, AnExceptionAtOnceReachesTheCallerAndTheQueueStillRuns) {
  bool queued_ran = false;
  std::function<void(int)> nest = [&](int depth) {
    if (depth < kMaxInlineDepth) {
      RunInline([&, depth] { nest(depth + 1); });
      return;
    }
    RunInline([&] { queued_ran = true; });
    throw std::runtime_error("now");
  };
  EXPECT_THROW(nest(0), std::runtime_error);
  EXPECT_TRUE(queued_ran);
  EXPECT_FALSE(HasQueuedInline());
}

TEST(RunInlineTest, AForkedChildStartsWithAFreshContext) {
  std::function<void(int)> nest = [&](int depth) {
    if (depth < kMaxInlineDepth) {
      RunInline([&, depth] { nest(depth + 1); });
      return;
    }
    RunInline([] {});  // Queued in the parent.
    ASSERT_TRUE(HasQueuedInline());
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      // Nothing of the parent's queue, and depth 0: a run happens at once.
      bool ran = false;
      RunInline([&ran] { ran = true; });
      _exit(!HasQueuedInline() && ran ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  };
  nest(0);
  EXPECT_FALSE(HasQueuedInline());
}

TEST(RunInlineTest, AFreshContextDrainsItsOwnQueue) {
  std::vector<int> order;
  std::function<void(int)> nest = [&](int depth) {
    if (depth < kMaxInlineDepth) {
      RunInline([&, depth] { nest(depth + 1); });
      return;
    }
    RunInline([&order] { order.push_back(2); });  // The outer context's.
    {
      ScopedInlineContext fresh;
      EXPECT_FALSE(HasQueuedInline());
      RunInline([&order] { order.push_back(1); });  // Runs at once.
    }
    EXPECT_TRUE(HasQueuedInline());  // The outer one is back.
  };
  nest(0);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace base_internal
}  // namespace multirun
