#include "output/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "common/fd.hpp"

namespace feedd::output {
namespace {

Error os_error(const std::filesystem::path& path, const char* what) {
  return make_error(path.string() + ": " + what + ": " + std::strerror(errno));
}

bool same_content(const std::filesystem::path& path, std::string_view content) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size != content.size()) return false;
  std::ifstream in(path, std::ios::binary);
  std::string existing(content.size(), '\0');
  in.read(existing.data(), static_cast<std::streamsize>(existing.size()));
  return in.gcount() == static_cast<std::streamsize>(content.size()) && existing == content;
}

// Creates `tmp`, whose last six characters are replaced as mkstemp(3) does, with mode
// 0644 less the umask, like every other file feedd creates. (mkstemp makes it 0600, and
// a chmod after it would ignore the umask: a service's UMask=0027 would not hold.)
Fd create_temporary(std::string& tmp) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, sizeof kChars - 2);
  for (int attempt = 0; attempt < 100; ++attempt) {
    for (std::size_t i = tmp.size() - 6; i < tmp.size(); ++i) tmp[i] = kChars[pick(random)];
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.get() >= 0 || errno != EEXIST) return fd;
  }
  return Fd(-1);  // errno is EEXIST
}

}  // namespace

std::size_t remove_stale_temporaries(const std::filesystem::path& dir, std::chrono::seconds min_age) {
  std::size_t removed = 0;
  std::error_code ec;
  const auto now = std::filesystem::file_time_type::clock::now();
  for (const auto& item : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = item.path().filename().string();
    // ".feed.atom.AbC123": a dot, the file's name, a dot, six random characters.
    if (name.size() < 9 || name[0] != '.' || name[1] == '.' || name[name.size() - 7] != '.') continue;
    if (!item.is_regular_file(ec)) continue;
    const auto modified = item.last_write_time(ec);
    if (ec || now - modified < min_age) continue;
    if (std::filesystem::remove(item.path(), ec)) ++removed;
  }
  return removed;
}

Status sync_directory(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return os_error(dir, "open directory");
  if (::fsync(fd.get()) != 0) return os_error(dir, "fsync directory");
  return Ok{};
}

Result<WriteOutcome> write_atomically(const std::filesystem::path& path, std::string_view content,
                                      Durability durability) {
  if (same_content(path, content)) return WriteOutcome::unchanged;

  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string tmp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  Fd fd = create_temporary(tmp);
  if (fd.get() < 0) return os_error(tmp, "create temporary file");

  auto fail = [&](const char* what) {
    Error e = os_error(tmp, what);
    ::unlink(tmp.c_str());
    return e;
  };
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  const bool durable = durability == Durability::durable;
  if (durable && ::fsync(fd.get()) != 0) return fail("fsync");
  if (::close(fd.release()) != 0) return fail("close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename");
  if (durable) {
    auto synced = sync_directory(dir);
    if (!synced) return synced.error();
  }
  return WriteOutcome::written;
}

}  // namespace feedd::output
