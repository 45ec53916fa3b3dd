#include "loader/service.h"

#include <sys/stat.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "test/cli_harness.h"

namespace mig::loader {
namespace {

using test::TempDir;

ServiceSetup Setup(const std::string& root) {
  ServiceSetup setup;
  setup.root = root;
  setup.binary = root + "/usr/local/sbin/mig";
  setup.config_path = "/etc/mig/agent.conf";
  setup.state_dir = "/var/lib/mig";
  setup.log_file = root + "/var/log/mig-loader.log";
  setup.loader_flags = "--health-timeout 2m --health-settle 5s";
  return setup;
}

TEST_CASE("systemd units run the agent supervised and the loader from a timer, falling back to mig.old") {
  std::string root = TempDir();
  std::vector<ServiceFile> files = ServiceFiles(ServiceKind::kSystemd, Setup(root));
  REQUIRE(files.size() == 3);
  struct Expectation {
    std::string file;
    std::vector<std::string> lines;
  };
  std::vector<Expectation> expected = {
      {"/etc/systemd/system/mig-agent.service",
       {absl::StrCat("ExecStart=", root, "/usr/local/sbin/mig --config /etc/mig/agent.conf agent"), "Restart=always",
        "WantedBy=multi-user.target"}},
      {"/etc/systemd/system/mig-loader.service",
       {"Type=oneshot",
        absl::StrCat("ExecStart=/bin/sh -c 'timeout -k 5 60 ", root,
                     "/usr/local/sbin/mig version >/dev/null 2>&1 && exec ", root,
                     "/usr/local/sbin/mig --config /etc/mig/agent.conf loader --root ", root,
                     " --deadline 30m --health-timeout 2m --health-settle 5s || exec ", root,
                     "/usr/local/sbin/mig.old --config /etc/mig/agent.conf loader --root ", root,
                     " --deadline 30m --health-timeout 2m --health-settle 5s'"),
        // The backstop behind the loader's own deadline.
        "TimeoutStartSec=1860s"}},
      {"/etc/systemd/system/mig-loader.timer",
       {"OnUnitActiveSec=1h", "RandomizedDelaySec=10min", "WantedBy=timers.target"}},
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(files[i].path == root + expected[i].file);
    for (const std::string& line : expected[i].lines) {
      INFO(files[i].contents);
      CHECK(absl::StrContains(files[i].contents, line + "\n"));
    }
  }
}

TEST_CASE("the cron file runs the loader every 10 minutes and at boot, logging to a file") {
  std::string root = TempDir();
  std::vector<ServiceFile> files = ServiceFiles(ServiceKind::kCron, Setup(root));
  REQUIRE(files.size() == 1);
  CHECK(files[0].path == root + "/etc/cron.d/mig");
  CHECK(
      absl::StrContains(files[0].contents, absl::StrCat("@reboot root timeout -k 60 1860 /bin/sh -c 'timeout -k 5 60 ",
                                                        root, "/usr/local/sbin/mig version")));
  CHECK(absl::StrContains(files[0].contents, "-59/10 * * * * root timeout -k 60 1860 /bin/sh -c '"));
  CHECK(absl::StrContains(files[0].contents, " loader --root " + root + " --deadline 30m "));
  CHECK(absl::StrContains(files[0].contents, absl::StrCat("' >>", root, "/var/log/mig-loader.log 2>&1\n")));
  CHECK(ServiceFiles(ServiceKind::kNone, Setup(root)).empty());
}

TEST_CASE("the installed kind is recognised from the files, and the default follows the system") {
  std::string root = TempDir();
  ServiceSetup setup = Setup(root);
  CHECK(InstalledServiceKind(root) == ServiceKind::kNone);
  CHECK(DefaultServiceKind(root) == ServiceKind::kNone);  // a root with no /etc/cron.d, and not "/"
  REQUIRE(mkdir((root + "/etc").c_str(), 0755) == 0);
  REQUIRE(mkdir((root + "/etc/cron.d").c_str(), 0755) == 0);
  CHECK(DefaultServiceKind(root) == ServiceKind::kCron);

  for (ServiceKind kind : {ServiceKind::kCron, ServiceKind::kSystemd}) {
    REQUIRE(InstallServiceFiles(kind, setup).ok());  // not "/": systemctl is not called
    CHECK(InstalledServiceKind(root) == kind);
    REQUIRE(RemoveServiceFiles(setup).ok());
    CHECK(InstalledServiceKind(root) == ServiceKind::kNone);
  }
  CHECK(ParseServiceKind("cron").value() == ServiceKind::kCron);
  CHECK_FALSE(ParseServiceKind("upstart").ok());
}

}  // namespace
}  // namespace mig::loader
