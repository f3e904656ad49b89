// Interop's pure parts: guest<->host path prefixes (PathMap.h, also lxpath's)
// and LXENV (LxEnv.h); plus the Linux backend's host programs.
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "kernel/exec/LxEnv.h"
#include "kernel/exec/PathMap.h"
#include "pico/linux/LinuxHost.h"

namespace lx {
namespace {

const std::vector<PathMapping> kMaps = {{"/", "/home/u/.lx/distros/d/rootfs"}, {"/mnt/host", "/"}};

TEST(InteropPathMap, GuestToHostPicksTheLongestGuestPrefix) {
  EXPECT_EQ(map_path(kMaps, "/mnt/host/etc", true), "/etc");
  EXPECT_EQ(map_path(kMaps, "/mnt/host", true), "/");
  EXPECT_EQ(map_path(kMaps, "/etc/passwd", true), "/home/u/.lx/distros/d/rootfs/etc/passwd");
  EXPECT_EQ(map_path(kMaps, "/", true), "/home/u/.lx/distros/d/rootfs");
  EXPECT_EQ(map_path(kMaps, "/mnt/hostile", true), "/home/u/.lx/distros/d/rootfs/mnt/hostile");
}

TEST(InteropPathMap, HostToGuestPicksTheLongestHostPrefix) {
  EXPECT_EQ(map_path(kMaps, "/etc", false), "/mnt/host/etc");
  EXPECT_EQ(map_path(kMaps, "/", false), "/mnt/host");
  EXPECT_EQ(map_path(kMaps, "/home/u/.lx/distros/d/rootfs", false), "/");
  EXPECT_EQ(map_path(kMaps, "/home/u/.lx/distros/d/rootfs/root/x", false), "/root/x");
  EXPECT_EQ(map_path(kMaps, "/home/u/.lx/distros/d/rootfsx", false), "/mnt/host/home/u/.lx/distros/d/rootfsx");
}

TEST(InteropPathMap, NoMappingAndNormalization) {
  EXPECT_EQ(map_path({{"/mnt/host", "/"}}, "/etc", true), std::nullopt);
  EXPECT_EQ(normalize_path("/a//b/./c/../d/"), "/a/b/d");
  EXPECT_EQ(normalize_path("/.."), "/");
  EXPECT_EQ(normalize_path("/"), "/");
}

std::optional<std::string> to_guest(const std::string& p) { return map_path(kMaps, p, false); }

TEST(InteropLxEnv, NamedVariablesCrossWithFlags) {
  const std::vector<std::string> host = {"A=1", "B=/etc", "C=/usr:rel:/home/u/.lx/distros/d/rootfs/tmp",
                                         "D=no", "U=in", "H=out", "LXENV=A:B/p:C/l:U/u:H/h:MISSING:=x:"};
  EXPECT_EQ(crossing_variables(host, EnvCrossing::HostToGuest, to_guest),
            (std::vector<std::string>{"LXENV=A:B/p:C/l:U/u:H/h:MISSING:=x:", "A=1", "B=/mnt/host/etc",
                                      "C=/mnt/host/usr:rel:/tmp", "U=in"}));
  EXPECT_EQ(crossing_variables(host, EnvCrossing::GuestToHost, to_guest),
            (std::vector<std::string>{"LXENV=A:B/p:C/l:U/u:H/h:MISSING:=x:", "A=1", "B=/mnt/host/etc",
                                      "C=/mnt/host/usr:rel:/tmp", "H=out"}));
}

TEST(InteropLxEnv, NothingWithoutLxenv) {
  EXPECT_TRUE(crossing_variables({"A=1"}, EnvCrossing::HostToGuest, to_guest).empty());
}

TEST(InteropLxEnv, MergeReplacesSameNames) {
  EXPECT_EQ(merge_environment({"A=1", "B=2"}, {"B=3", "C=4"}), (std::vector<std::string>{"A=1", "B=3", "C=4"}));
}

TEST(LinuxHostProgram, RunsWithStdioAndReportsStatus) {
  auto host = pico::LinuxHost::create();
  ASSERT_TRUE(host.ok());
  int out[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  pico::HostProgramSpec spec;
  spec.path = "/bin/sh";
  spec.argv = {"sh", "-c", "pwd; echo $X; exit 3"};
  spec.envp = {"X=y"};
  spec.cwd = "/usr";
  spec.stdio[1] = out[1];
  auto prog = host.value()->spawn_host_program(spec);
  ASSERT_TRUE(prog.ok()) << prog.error();
  close(out[1]);
  std::string text;
  char buf[256];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  close(out[0]);
  EXPECT_EQ(text, "/usr\ny\n");
  pollfd p{prog.value()->exit_fd(), POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 30000), 1);
  std::optional<int> st = prog.value()->exit_status();
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(WIFEXITED(*st));
  EXPECT_EQ(WEXITSTATUS(*st), 3);
}

TEST(LinuxHostProgram, MissingProgramAndKill) {
  auto host = pico::LinuxHost::create();
  ASSERT_TRUE(host.ok());
  pico::HostProgramSpec spec;
  spec.path = "/nonexistent/program";
  spec.argv = {"x"};
  auto missing = host.value()->spawn_host_program(spec);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), ENOENT);
  spec.path = "/bin/sleep";
  spec.argv = {"sleep", "100"};
  auto prog = host.value()->spawn_host_program(spec);
  ASSERT_TRUE(prog.ok());
  EXPECT_FALSE(prog.value()->exit_status().has_value());
  prog.value()->signal(SIGTERM);
  pollfd p{prog.value()->exit_fd(), POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 30000), 1);
  std::optional<int> st = prog.value()->exit_status();
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(WIFSIGNALED(*st));
  EXPECT_EQ(WTERMSIG(*st), SIGTERM);
}

}  // namespace
}  // namespace lx
