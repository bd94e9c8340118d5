#pragma once
// What the fuzz targets share. Each target is one .cpp file in this directory that
// defines LLVMFuzzerTestOneInput. Built with libFuzzer (clang, -DFEEDD_FUZZ=ON, see
// scripts/fuzz) it is fuzzed; built with replay.cpp (any compiler, the test suite) it
// runs the inputs kept in fuzz/corpus/TARGET once each, under whatever sanitizer the
// build has.
//
// A target checks properties that must hold for every input, not only that nothing
// crashes: a failed FUZZ_CHECK aborts, which libFuzzer reports as a crash and saves the
// input for.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace feedd::fuzz {

[[noreturn]] void fail(const char* file, int line, const char* check, std::string_view detail);

// Valid UTF-8 without DEL or C0 control characters other than tab, newline and carriage
// return: what the feed model promises for every text field (feed/model.hpp).
bool is_clean_text(std::string_view s);
// Where s stops being clean text, as "at byte N: XX XX XX" (hex); "" when it is clean.
std::string first_unclean(std::string_view s);
// No line break and no other control character: one line of a log or a digest.
bool is_one_line(std::string_view s);

// Reads an input as a few independent strings, cut at a 0 byte (the last one is the rest
// of the input).
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}
  std::string_view part() {
    const std::size_t end = rest_.find('\0');
    const std::string_view p = rest_.substr(0, end);
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    return p;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// Reads an input a byte at a time, as a sequence of steps; 0 once it is used up.
class Bytes {
 public:
  explicit Bytes(std::string_view data) : data_(data) {}
  bool empty() const { return pos_ >= data_.size(); }
  std::uint8_t next() { return pos_ < data_.size() ? static_cast<std::uint8_t>(data_[pos_++]) : 0; }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

}  // namespace feedd::fuzz

#define FUZZ_CHECK(cond, detail)                                                  \
  do {                                                                            \
    if (!(cond)) ::feedd::fuzz::fail(__FILE__, __LINE__, #cond, (detail));        \
  } while (false)
