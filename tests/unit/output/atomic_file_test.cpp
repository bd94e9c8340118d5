#include <doctest/doctest.h>

#include <sys/stat.h>

#include "output/atomic_file.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

using feedd::output::write_atomically;
using feedd::output::WriteOutcome;

namespace {

std::size_t files_in(const std::filesystem::path& dir) {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

}  // namespace

TEST_CASE("an atomic write replaces the file and leaves no temporary file behind") {
  // Durable or only visible, a reader sees one whole file or the other.
  auto durability = feedd::output::Durability::durable;
  SUBCASE("durable") {}
  SUBCASE("visible") { durability = feedd::output::Durability::visible; }
  feedd::test::TempDir dir;
  const auto path = dir.file("feed.atom");
  auto first = write_atomically(path, "one", durability);
  REQUIRE(first.ok());
  CHECK(*first == WriteOutcome::written);
  auto second = write_atomically(path, "two, longer", durability);
  REQUIRE(second.ok());
  CHECK(*second == WriteOutcome::written);
  CHECK(feedd::test::read_file(path) == "two, longer");
  CHECK(files_in(dir.path()) == 1);
  CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::others_read) !=
        std::filesystem::perms::none);
}

TEST_CASE("an atomic write of unchanged content does not touch the file") {
  feedd::test::TempDir dir;
  const auto path = dir.file("feed.atom");
  REQUIRE(write_atomically(path, "same").ok());
  const auto before = std::filesystem::last_write_time(path);
  auto again = write_atomically(path, "same");
  REQUIRE(again.ok());
  CHECK(*again == WriteOutcome::unchanged);
  CHECK(std::filesystem::last_write_time(path) == before);
}

TEST_CASE("an atomic write into a missing directory is an error naming the path") {
  feedd::test::TempDir dir;
  auto r = write_atomically(dir.file("missing/feed.atom"), "x");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("missing") != std::string::npos);
}

TEST_CASE("an atomically written file has the mode any created file gets: 0644 less the umask") {
  // systemd's UMask=0027 keeps the outputs from other users; a chmod to 0644 would not.
  feedd::test::TempDir dir;
  const auto path = dir.file("feed.atom");
  const mode_t saved = ::umask(027);
  auto written = write_atomically(path, "content");
  auto rewritten = write_atomically(dir.file("feed.rss"), "content");
  ::umask(saved);
  REQUIRE(written.ok());
  REQUIRE(rewritten.ok());
  namespace fs = std::filesystem;
  CHECK(fs::status(path).permissions() == (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));

  const mode_t open_umask = ::umask(0);
  auto open = write_atomically(path, "changed");
  ::umask(open_umask);
  REQUIRE(open.ok());
  CHECK(fs::status(path).permissions() == (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                           fs::perms::others_read));
}
