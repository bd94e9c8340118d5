#include "common/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "common/utf8.hpp"

namespace feedd::log {
namespace {

std::mutex g_mutex;
spdlog::sink_ptr g_sink;
spdlog::level::level_enum g_level = spdlog::level::info;

// "%*" -> "<N>", the syslog priority of the record's level (sd-daemon(3) prefixes).
class PriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const char* prefix = "<6>";
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug: prefix = "<7>"; break;
      case spdlog::level::info: prefix = "<6>"; break;
      case spdlog::level::warn: prefix = "<4>"; break;
      case spdlog::level::err: prefix = "<3>"; break;
      case spdlog::level::critical: prefix = "<2>"; break;
      default: break;
    }
    dest.append(prefix, prefix + std::strlen(prefix));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityFlag>();
  }
};

// "%Q" -> the message, made printable (common/utf8.hpp): a line break or a control
// character in a value (a server's text, a config file's bytes) cannot split one event
// over two lines, or reach a terminal as an escape sequence; bytes that are not UTF-8
// cannot make journald store the line as a blob.
class PrintableMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string text = printable(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PrintableMessageFlag>();
  }
};

spdlog::sink_ptr sink() {
  if (!g_sink) {
    g_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<PrintableMessageFlag>('Q');
    if (journald_reads_stderr()) {
      // journald timestamps each line itself.
      formatter->add_flag<PriorityFlag>('*').set_pattern("%*level=%l module=%n %Q");
    } else {
      formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ level=%l module=%n %Q");
    }
    g_sink->set_formatter(std::move(formatter));
  }
  return g_sink;
}

bool parse_number(std::string_view text, unsigned long long& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

}  // namespace

bool journald_reads_stderr() {
  const char* value = std::getenv("JOURNAL_STREAM");
  if (value == nullptr) return false;
  const std::string_view text(value);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  unsigned long long device = 0;
  unsigned long long inode = 0;
  if (!parse_number(text.substr(0, colon), device) || !parse_number(text.substr(colon + 1), inode)) {
    return false;
  }
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device &&
         static_cast<unsigned long long>(st.st_ino) == inode;
}

void setup(const std::string& level) {
  std::lock_guard lock(g_mutex);
  g_level = spdlog::level::from_str(level);
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->set_level(g_level); });
}

std::shared_ptr<spdlog::logger> get(const std::string& module) {
  std::lock_guard lock(g_mutex);
  if (auto existing = spdlog::get(module)) return existing;
  auto logger = std::make_shared<spdlog::logger>(module, sink());
  logger->set_level(g_level);
  logger->flush_on(spdlog::level::trace);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace feedd::log
