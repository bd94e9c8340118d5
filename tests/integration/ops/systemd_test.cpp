// The systemd unit passes systemd-analyze (verify, and security at exposure 2.0 or lower),
// and `cmake --install` lays out binary, unit, sysusers snippet and config where they go.

#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>

#include "integration/ops/ops_support.hpp"
#include "support/temp_dir.hpp"

using feedd::test::ops::replace_all;
using feedd::test::ops::slurp;
using feedd::test::ProcessResult;

namespace {

const std::string kUnit = std::string(FEEDD_SOURCE_DIR) + "/systemd/feedd.service";
const char* kAnalyze = "/usr/bin/systemd-analyze";

bool have_analyze() {
  if (std::filesystem::exists(kAnalyze)) return true;
  MESSAGE("SKIPPED: systemd-analyze is missing; install the Debian package systemd (scripts/install-deps)");
  return false;
}

ProcessResult analyze(std::vector<std::string> args) {
  args.insert(args.begin(), kAnalyze);
  return feedd::test::run(std::move(args), std::chrono::seconds(60), {"SYSTEMD_LOG_COLOR=0", "SYSTEMD_PAGER=cat"});
}

// The build tree the tests were built in: feedd is at BUILD/daemon/feedd.
std::filesystem::path build_dir() {
  return std::filesystem::path(feedd::test::feedd_binary()).parent_path().parent_path();
}

ProcessResult install(const std::string& prefix, std::vector<std::string> env = {}) {
  return feedd::test::run({"/usr/bin/env", "cmake", "--install", build_dir().string(), "--prefix", prefix},
                          std::chrono::seconds(120), std::move(env));
}

}  // namespace

TEST_CASE("systemd-analyze verify finds nothing to say about the unit") {
  if (!have_analyze()) return;
  feedd::test::TempDir dir("feedd-unit");
  // verify insists that ExecStart's program exists: point it at the feedd just built.
  const auto unit = dir.write("feedd.service",
                              replace_all(slurp(kUnit), "/usr/bin/feedd", feedd::test::feedd_binary()));
  const auto r = analyze({"verify", unit.string()});
  INFO((r.out + r.err));
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.empty());
}

TEST_CASE("systemd-analyze security rates the unit at an exposure of 2.0 or lower") {
  if (!have_analyze()) return;
  const auto r = analyze({"security", "--offline=true", "--threshold=20", kUnit});
  INFO((r.out + r.err));
  CHECK(r.exit_code == 0);
  const auto at = r.out.find("Overall exposure level for feedd.service: ");
  REQUIRE(at != std::string::npos);
  const double exposure = std::strtod(r.out.c_str() + at + std::strlen("Overall exposure level for feedd.service: "), nullptr);
  CHECK(exposure > 0.0);
  CHECK(exposure <= 2.0);
}

TEST_CASE("cmake --install lays out the binary, the unit, the sysusers snippet and the config") {
  feedd::test::TempDir dir("feedd-install");
  const auto root = dir.path();
  const auto r = install("/usr", {"DESTDIR=" + root.string()});
  INFO((r.out + r.err));
  REQUIRE(r.exit_code == 0);
  CHECK(std::filesystem::exists(root / "usr/bin/feedd"));
  CHECK(slurp(root / "usr/lib/sysusers.d/feedd.conf").find("u feedd ") != std::string::npos);
  CHECK(slurp(root / "etc/feedd/feedd.toml") == slurp(std::string(FEEDD_SOURCE_DIR) + "/config/feedd.toml"));
  CHECK(slurp(root / "usr/lib/systemd/system/feedd.service") == slurp(kUnit));

  SUBCASE("an installed config that was edited is kept") {
    const std::string edited = slurp(root / "etc/feedd/feedd.toml") + "\n# edited by the operator\n";
    std::ofstream(root / "etc/feedd/feedd.toml", std::ios::binary | std::ios::trunc) << edited;
    const auto again = install("/usr", {"DESTDIR=" + root.string()});
    INFO((again.out + again.err));
    REQUIRE(again.exit_code == 0);
    CHECK(slurp(root / "etc/feedd/feedd.toml") == edited);
    CHECK(again.out.find("Keeping: " + (root / "etc/feedd/feedd.toml").string()) != std::string::npos);
  }
}

TEST_CASE("under another prefix the installed unit runs that prefix's feedd and config, and verifies") {
  feedd::test::TempDir dir("feedd-install");
  const auto prefix = dir.path() / "opt";
  const auto r = install(prefix.string());
  INFO((r.out + r.err));
  REQUIRE(r.exit_code == 0);
  const auto unit = prefix / "lib/systemd/system/feedd.service";
  const std::string text = slurp(unit);
  CHECK(text.find("ExecStart=" + (prefix / "bin/feedd").string() + " run -c " +
                  (prefix / "etc/feedd/feedd.toml").string() + "\n") != std::string::npos);
  CHECK(std::filesystem::exists(prefix / "etc/feedd/feedd.toml"));
  if (!have_analyze()) return;
  const auto verified = analyze({"verify", unit.string()});
  INFO((verified.out + verified.err));
  CHECK(verified.exit_code == 0);
  CHECK(verified.err.empty());
}

TEST_CASE("the sysusers snippet creates the system user feedd, homed in its state directory, without a shell") {
  const char* sysusers = "/usr/bin/systemd-sysusers";
  if (!std::filesystem::exists(sysusers)) {
    MESSAGE("SKIPPED: systemd-sysusers is missing; install the Debian package systemd (scripts/install-deps)");
    return;
  }
  feedd::test::TempDir dir("feedd-sysusers");
  std::filesystem::create_directories(dir.path() / "etc");
  const auto r = feedd::test::run({sysusers, "--root=" + dir.path().string(),
                                   std::string(FEEDD_SOURCE_DIR) + "/systemd/feedd.sysusers"});
  INFO((r.out + r.err));
  REQUIRE(r.exit_code == 0);
  const auto passwd = feedd::test::lines_with(slurp(dir.path() / "etc/passwd"), "feedd:");
  REQUIRE(passwd.size() == 1);
  CHECK(passwd[0].ends_with(":/var/lib/feedd:/usr/sbin/nologin"));
  CHECK(feedd::test::lines_with(slurp(dir.path() / "etc/group"), "feedd:").size() == 1);
}
