#include "output/digest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <unordered_set>

#include "output/atomic_file.hpp"

namespace feedd::output {
namespace {

// The tail of a day's file that is read back to skip lines already written. A crash
// can only leave the lines of one batch unrecorded, and a batch is one poll's entries.
constexpr std::streamoff kTailBytes = 256 * 1024;

std::tm local_tm(Instant t) {
  const std::time_t secs = static_cast<std::time_t>(t.time_since_epoch().count());
  std::tm tm{};
  localtime_r(&secs, &tm);
  return tm;
}

std::string format_tm(const std::tm& tm, const char* format) {
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

// One field of a line: control characters and runs of white space become one space.
void append_field(std::string& line, std::string_view text) {
  bool space = false;
  bool any = false;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f || c == ' ') {
      space = any;
      continue;
    }
    if (space) line += ' ';
    space = false;
    any = true;
    line += static_cast<char>(c);
  }
  if (!any) line += '-';
}

Error os_error(const std::filesystem::path& path, const char* what) {
  return make_error(path.string() + ": " + what + ": " + std::strerror(errno));
}

std::unordered_set<std::string> tail_lines(const std::filesystem::path& path) {
  std::unordered_set<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  if (!in) return lines;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > kTailBytes ? size - kTailBytes : 0;
  in.seekg(start);
  std::string line;
  if (start > 0) std::getline(in, line);  // a partial first line
  while (std::getline(in, line)) lines.insert(line);
  return lines;
}

Status append_to_file(const std::filesystem::path& path, const std::string& day,
                      const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return os_error(path, "open");
  std::string data;
  if (::lseek(fd, 0, SEEK_END) == 0) data = "# feedd digest " + day + "\n";
  data += text;
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = os_error(path, "write");
      ::close(fd);
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd) != 0) {
    Error e = os_error(path, "fdatasync");
    ::close(fd);
    return e;
  }
  if (::close(fd) != 0) return os_error(path, "close");
  return Ok{};
}

}  // namespace

std::string local_day(Instant t) { return format_tm(local_tm(t), "%Y-%m-%d"); }
std::string local_clock(Instant t) { return format_tm(local_tm(t), "%H:%M"); }

std::string digest_line(const store::StoredEntry& entry) {
  std::string line = local_clock(entry.first_seen);
  line += "  ";
  append_field(line, entry.feed_title.empty() ? entry.feed_url : entry.feed_title);
  line += "  ";
  append_field(line, entry.title);
  line += "  ";
  append_field(line, entry.url.empty() ? entry.guid : entry.url);
  return line;
}

Digest::Digest(std::filesystem::path dir) : dir_(std::move(dir)) {}

Status Digest::append(const std::vector<store::StoredEntry>& entries, Instant now) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return make_error(dir_.string() + ": cannot create directory: " + ec.message());

  std::map<std::string, std::vector<std::string>> by_day;
  for (const auto& e : entries) by_day[local_day(e.first_seen)].push_back(digest_line(e));

  for (const auto& [day, lines] : by_day) {
    const auto path = dir_ / (day + ".txt");
    const auto existing = tail_lines(path);
    std::string text;
    for (const auto& line : lines) {
      if (existing.count(line) == 0) text += line + "\n";
    }
    if (text.empty()) continue;
    auto appended = append_to_file(path, day, text);
    if (!appended) return appended;
  }
  return update_today(now);
}

Status Digest::update_today(Instant now) {
  const std::string day = local_day(now);
  const std::string target = day + ".txt";
  const auto path = dir_ / target;
  if (!std::filesystem::exists(path)) {
    auto created = append_to_file(path, day, "");
    if (!created) return created;
  }
  const auto link = dir_ / "today";
  std::error_code ec;
  if (std::filesystem::is_symlink(link, ec) && std::filesystem::read_symlink(link, ec) == target) {
    return Ok{};
  }
  // A new link beside the old one, renamed over it: `today` always exists.
  const auto tmp = dir_ / ".today.tmp";
  std::filesystem::remove(tmp, ec);
  std::filesystem::create_symlink(target, tmp, ec);
  if (ec) return make_error(tmp.string() + ": cannot create symlink: " + ec.message());
  std::filesystem::rename(tmp, link, ec);
  if (ec) return make_error(link.string() + ": cannot replace symlink: " + ec.message());
  return sync_directory(dir_);
}

}  // namespace feedd::output
