// cgroup lifecycle on the host (root): creation, identity, nesting limit, and removal that
// leaves nothing behind even with processes still inside.
#include "cgroup/cgroup.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace cvlsm {
namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

TEST(CgroupTest, FindsTheUnifiedHierarchy) {
  auto mount = FindCgroup2Mount();
  ASSERT_TRUE(mount.ok()) << mount.status();
  EXPECT_TRUE(Exists(*mount + "/cgroup.procs"));
}

TEST(CgroupTest, CreateGivesTheKernelIdAndLimitsNesting) {
  auto cgroup = OwnedCgroup::Create("cv-lsm-test", "create", 3);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  struct stat st {};
  ASSERT_EQ(::stat(cgroup->path().c_str(), &st), 0);
  EXPECT_EQ(cgroup->id(), st.st_ino);
  std::ifstream depth(cgroup->path() + "/cgroup.max.depth");
  int value = -1;
  depth >> value;
  EXPECT_EQ(value, 3);
}

TEST(CgroupTest, RemoveKillsWhatIsInsideAndLeavesNothing) {
  std::string path, group;
  pid_t child;
  {
    auto cgroup = OwnedCgroup::Create("cv-lsm-test", "remove", 3);
    ASSERT_TRUE(cgroup.ok()) << cgroup.status();
    path = cgroup->path();
    group = path.substr(0, path.rfind('/'));
    int procs = ::open(cgroup->procs_file().c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(procs, 0);
    child = ::fork();
    if (child == 0) {
      if (::write(procs, "0", 1) != 1) ::_exit(1);
      // A nested cgroup with the process in it, as a container would make.
      ::mkdir((path + "/nested").c_str(), 0755);
      int nested = ::open((path + "/nested/cgroup.procs").c_str(), O_WRONLY);
      if (nested >= 0) (void)!::write(nested, "0", 1);
      ::pause();
      ::_exit(0);
    }
    ::close(procs);
    for (int i = 0; i < 200 && !Exists(path + "/nested"); ++i) ::usleep(10000);
    ASSERT_TRUE(Exists(path + "/nested"));
  }  // destructor: kill and remove
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_FALSE(Exists(path));
  EXPECT_FALSE(Exists(group)) << "the empty group directory is removed with its last cgroup";
}

}  // namespace
}  // namespace cvlsm
