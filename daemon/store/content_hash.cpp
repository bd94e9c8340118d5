#include "store/content_hash.hpp"

#include <xxhash.h>

#include <bit>
#include <string>
#include <string_view>

#include "store/hash.hpp"

namespace feedd::store {
namespace {

// Feeds the hashed fields, in order, each closed by 0xFF, to `add`.
template <class Add>
void each_field(const feed::Entry& e, Add add) {
  const auto field = [&](std::string_view bytes) {
    add(bytes);
    add("\xff");
  };
  field(e.title);
  field(e.summary);
  field(e.content);
  for (const auto& p : e.authors) {
    field(p.name);
    field(p.email);
    field(p.uri);
  }
  field("");
  for (const auto& c : e.categories) field(c);
  field("");
  for (const auto& x : e.enclosures) {
    field(x.url);
    field(x.type);
    field(x.length ? std::to_string(*x.length) : std::string());
  }
}

}  // namespace

std::int64_t content_hash(const feed::Entry& e) {
  // The fields laid end to end, hashed in one call: XXH3's streaming interface costs
  // more per call than these short fields take to hash.
  thread_local std::string bytes;
  bytes.clear();
  each_field(e, [&](std::string_view field) { bytes += field; });
  const auto hash = static_cast<std::uint64_t>(XXH3_64bits(bytes.data(), bytes.size()));
  if (bytes.capacity() > (std::size_t{1} << 20)) std::string().swap(bytes);  // one huge entry is not kept
  return std::bit_cast<std::int64_t>(hash);
}

std::int64_t legacy_content_hash(const feed::Entry& e) {
  Fnv1a h;
  each_field(e, [&](std::string_view bytes) { h.add(bytes); });
  return std::bit_cast<std::int64_t>(h.value());
}

}  // namespace feedd::store
