#include "output/digest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cctype>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <unordered_set>

#include "common/fd.hpp"
#include "output/atomic_file.hpp"
#include "output/local_time.hpp"

namespace feedd::output {
namespace {

// The tail of a day's file that is read back to skip lines already written. A crash
// can only leave the lines of one batch unrecorded, and a batch is one poll's entries.
constexpr std::streamoff kTailBytes = 256 * 1024;

// Bytes of the UTF-8 sequence at text[i] that some tool reads as a line break or a
// control: C1 controls U+0080..U+009F (NEL among them) and U+2028/U+2029; 0 otherwise.
std::size_t unicode_break(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u; };
  if (byte(i) == 0xC2 && byte(i + 1) >= 0x80 && byte(i + 1) <= 0x9F) return 2;
  if (byte(i) == 0xE2 && byte(i + 1) == 0x80 && (byte(i + 2) == 0xA8 || byte(i + 2) == 0xA9)) return 3;
  return 0;
}

// Whether the byte at text[i] is shown as it is.
bool plain_at(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  return c > 0x20 && c != 0x7f && !((c == 0xC2 || c == 0xE2) && unicode_break(text, i) != 0);
}

// One field of a line: control characters, line separators and runs of white space
// become one space; an empty field is "-". Runs of ordinary bytes, with the single
// spaces between words, are copied whole.
void append_field(std::string& line, std::string_view text) {
  bool space = false;
  bool any = false;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      if (plain_at(text, end)) {
        ++end;
      } else if (end > i && text[end] == ' ' && end + 1 < text.size() && plain_at(text, end + 1)) {
        end += 2;
      } else {
        break;
      }
    }
    if (end > i) {
      if (space) line += ' ';
      line.append(text, i, end - i);
      space = false;
      any = true;
      i = end;
      continue;
    }
    space = any;
    const std::size_t skip = unicode_break(text, i);
    i += skip != 0 ? skip : 1;
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

// Cuts an unfinished last line off a day's file. An append the disk filled up under, or
// a machine that went down in the middle of one, can leave the start of a line without
// its newline; its entry was not recorded, so the append that follows writes it whole.
// Left, the next line would run on from it.
Status drop_unfinished_line(const std::filesystem::path& path) {
  const Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (fd.get() < 0) return errno == ENOENT ? Status(Ok{}) : Status(os_error(path, "open"));
  const off_t end = ::lseek(fd.get(), 0, SEEK_END);
  if (end < 0) return os_error(path, "seek");
  char chunk[4096];
  off_t keep = end;  // the size up to and with the last newline
  while (keep > 0) {
    const off_t from = keep > static_cast<off_t>(sizeof chunk) ? keep - static_cast<off_t>(sizeof chunk) : 0;
    const ssize_t n = ::pread(fd.get(), chunk, static_cast<std::size_t>(keep - from), from);
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error(path, "read");
    }
    if (n != keep - from) return make_error(path.string() + ": read: the file shrank while being read");
    const void* newline = ::memrchr(chunk, '\n', static_cast<std::size_t>(n));
    if (newline != nullptr) {
      keep = from + (static_cast<const char*>(newline) - chunk) + 1;
      break;
    }
    keep = from;
  }
  if (keep == end) return Ok{};
  if (::ftruncate(fd.get(), keep) != 0) return os_error(path, "truncate");
  return Ok{};
}

// Appends text (after the header, when the file is new) and returns the file's size. An
// append that fails leaves the file as it was: what it wrote is cut off again.
Result<std::uintmax_t> append_to_file(const std::filesystem::path& path, const std::string& day,
                                      const std::string& text) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) return os_error(path, "open");
  std::string data;
  const off_t before = ::lseek(fd.get(), 0, SEEK_END);
  if (before < 0) return os_error(path, "seek");
  if (before == 0) data = "# feedd digest " + day + "\n";
  data += text;
  const auto undo = [&](const char* what) {
    Error e = os_error(path, what);
    (void)::ftruncate(fd.get(), before);  // if even this fails, the next append cuts the piece off
    return e;
  };
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return undo("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd.get()) != 0) return undo("fdatasync");
  if (::close(fd.release()) != 0) return os_error(path, "close");
  return static_cast<std::uintmax_t>(before) + data.size();
}

// "YYYY-MM-DD.txt": a day's file (anything else in the directory is not ours to remove).
bool is_day_file(const std::string& name) {
  if (name.size() != 14 || name.compare(10, 4, ".txt") != 0) return false;
  for (std::size_t i = 0; i < 10; ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? name[i] != '-' : !std::isdigit(static_cast<unsigned char>(name[i]))) return false;
  }
  return true;
}

// Appends a digest line, without its newline, with its local clock time ("HH:MM")
// already worked out.
void append_line(std::string& out, const store::StoredEntry& entry, const std::string& clock) {
  out += clock;
  out += "  ";
  append_field(out, entry.feed_title.empty() ? entry.feed_url : entry.feed_title);
  out += "  ";
  append_field(out, entry.title);
  out += "  ";
  append_field(out, entry.url.empty() ? entry.guid : entry.url);
}

// A day's new lines, one text, each line ending with a newline.
struct DayText {
  std::string text;
  std::vector<std::size_t> starts;  // where each line starts
};

}  // namespace

std::string digest_line(const store::StoredEntry& entry) {
  std::string line;
  append_line(line, entry, local_clock(entry.first_seen));
  return line;
}

Digest::Digest(std::filesystem::path dir, int keep_days) : dir_(std::move(dir)), keep_days_(keep_days) {}

Status Digest::append(const std::vector<store::StoredEntry>& entries, Instant now) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return make_error(dir_.string() + ": cannot create directory: " + ec.message());

  appended_size_.clear();
  std::map<std::string, DayText> by_day;
  // Entries stored together share their first-seen second: local time is worked out once
  // per second, not once per entry.
  std::optional<Instant> at;
  DayText* day = nullptr;
  std::string clock;
  for (const auto& e : entries) {
    if (e.first_seen != at) {
      at = e.first_seen;
      day = &by_day[local_day(e.first_seen)];
      clock = local_clock(e.first_seen);
    }
    day->starts.push_back(day->text.size());
    append_line(day->text, e, clock);
    day->text += '\n';
  }

  for (auto& [name, lines] : by_day) {
    const auto path = dir_ / (name + ".txt");
    // A file whose every line the store has recorded, still at the size it had then,
    // holds no line of these entries: its tail need not be read back. Otherwise a line
    // the file already holds (a crash came between an append and its record) is left out.
    const auto recorded = recorded_size_.find(path);
    const bool clean =
        recorded != recorded_size_.end() && std::filesystem::file_size(path, ec) == recorded->second && !ec;
    std::string text;
    if (clean) {
      text = std::move(lines.text);
    } else {
      // Before the read back: an unfinished line is not one the file holds.
      if (auto dropped = drop_unfinished_line(path); !dropped) return dropped.error();
      const auto existing = tail_lines(path);
      for (std::size_t i = 0; i < lines.starts.size(); ++i) {
        const std::size_t from = lines.starts[i];
        const std::size_t to = i + 1 < lines.starts.size() ? lines.starts[i + 1] : lines.text.size();
        const std::string_view line(lines.text.data() + from, to - from);
        if (existing.count(std::string(line.substr(0, line.size() - 1))) == 0) text += line;
      }
    }
    if (text.empty()) continue;
    auto appended = append_to_file(path, name, text);
    if (!appended) return appended.error();
    appended_size_[path] = *appended;
  }
  return update_today(now);
}

void Digest::recorded() {
  // Only the files of the last append: the map stays as small as one batch's days, and
  // another file is read back once before its next append.
  recorded_size_ = std::move(appended_size_);
  appended_size_.clear();
}

Status Digest::update_today(Instant now) {
  const std::string day = local_day(now);
  const std::string target = day + ".txt";
  const auto path = dir_ / target;
  if (!std::filesystem::exists(path)) {
    std::error_code made;
    std::filesystem::create_directories(dir_, made);
    if (made) return make_error(dir_.string() + ": cannot create directory: " + made.message());
    auto created = append_to_file(path, day, "");
    if (!created) return created.error();
  }
  const auto link = dir_ / "today";
  std::error_code ec;
  if (std::filesystem::is_symlink(link, ec) && std::filesystem::read_symlink(link, ec) == target &&
      pruned_for_ == day) {
    return Ok{};
  }
  // A new link beside the old one, renamed over it: `today` always exists.
  const auto tmp = dir_ / ".today.tmp";
  std::filesystem::remove(tmp, ec);
  std::filesystem::create_symlink(target, tmp, ec);
  if (ec) return make_error(tmp.string() + ": cannot create symlink: " + ec.message());
  std::filesystem::rename(tmp, link, ec);
  if (ec) return make_error(link.string() + ": cannot replace symlink: " + ec.message());
  auto synced = sync_directory(dir_);
  if (!synced) return synced;
  return prune(now);
}

Status Digest::prune(Instant now) {
  const std::string today = local_day(now);
  if (pruned_for_ == today) return Ok{};
  pruned_for_ = today;
  if (keep_days_ <= 0) return Ok{};
  // Kept: today and the keep_days - 1 days before it.
  const std::string oldest_kept = local_day_before(now, keep_days_ - 1);
  std::error_code ec;
  std::vector<std::filesystem::path> old;
  for (const auto& item : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = item.path().filename().string();
    if (is_day_file(name) && name.substr(0, 10) < oldest_kept) old.push_back(item.path());
  }
  if (ec) return make_error(dir_.string() + ": cannot list: " + ec.message());
  for (const auto& path : old) {
    std::filesystem::remove(path, ec);
    if (ec) return make_error(path.string() + ": cannot remove: " + ec.message());
  }
  return Ok{};
}

}  // namespace feedd::output
