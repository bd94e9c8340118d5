#include "store/content_hash.hpp"

#include <xxhash.h>

#include <bit>
#include <new>
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

// XXH3's streaming state, made once per thread: resetting it is cheap, creating it is not.
class Xxh3 {
 public:
  Xxh3() : state_(XXH3_createState()) {}
  ~Xxh3() { XXH3_freeState(state_); }
  Xxh3(const Xxh3&) = delete;
  Xxh3& operator=(const Xxh3&) = delete;
  XXH3_state_t* get() { return state_; }

 private:
  XXH3_state_t* state_;
};

}  // namespace

std::int64_t content_hash(const feed::Entry& e) {
  thread_local Xxh3 xxh3;
  XXH3_state_t* state = xxh3.get();
  if (state == nullptr || XXH3_64bits_reset(state) == XXH_ERROR) {
    throw std::bad_alloc();
  }
  each_field(e, [&](std::string_view bytes) { XXH3_64bits_update(state, bytes.data(), bytes.size()); });
  return std::bit_cast<std::int64_t>(static_cast<std::uint64_t>(XXH3_64bits_digest(state)));
}

std::int64_t legacy_content_hash(const feed::Entry& e) {
  Fnv1a h;
  each_field(e, [&](std::string_view bytes) { h.add(bytes); });
  return std::bit_cast<std::int64_t>(h.value());
}

}  // namespace feedd::store
