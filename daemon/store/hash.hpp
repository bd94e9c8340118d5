#pragma once
// FNV-1a, 64 bits: the store's hash for fallback keys (and, before XXH3, for content
// change detection: see content_hash.hpp).
// Not cryptographic, and it need not be: the inputs come from feeds we poll, a collision
// only merges two entries of the same feed (the feed is part of every fallback key), and
// for a feed with n fallback-keyed entries the chance of any collision is about
// n^2 / 2^65 (below 1e-8 for 100,000 entries). It is stable across platforms and
// versions, which a key stored on disk must be.

#include <cstdint>
#include <string>
#include <string_view>

namespace feedd::store {

class Fnv1a {
 public:
  Fnv1a& add(std::string_view bytes) {
    for (char c : bytes) {
      h_ ^= static_cast<unsigned char>(c);
      h_ *= 0x100000001b3ULL;
    }
    return *this;
  }
  // Fields are separated by a byte that cannot start a UTF-8 sequence, so ("ab","c") and
  // ("a","bc") hash differently.
  Fnv1a& field(std::string_view bytes) {
    add(bytes);
    return add("\xff");
  }
  std::uint64_t value() const { return h_; }
  std::string hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(16, '0');
    std::uint64_t v = h_;
    for (int i = 15; i >= 0; --i) {
      out[static_cast<std::size_t>(i)] = kDigits[v & 0xf];
      v >>= 4;
    }
    return out;
  }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace feedd::store
