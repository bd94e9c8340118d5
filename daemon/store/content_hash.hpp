#pragma once
// The hash that tells a changed entry from an unchanged one: title, summary, content,
// authors, categories and enclosures, each field closed by a 0xFF byte (which cannot
// start a UTF-8 sequence, so ("ab","c") and ("a","bc") differ). Stored in
// entries.content_hash; an entry whose hash differs from the stored one was updated.
//
// XXH3 (64 bits, xxHash 0.8, whose output is fixed across versions and platforms), about
// twenty times faster than the byte-at-a-time FNV-1a it replaced, which was a twentieth
// of a cold round. Databases written before keep FNV-1a hashes (legacy_content_hash): the
// store takes a stored hash equal to either as unchanged and stores the XXH3 one then.

#include <cstdint>

#include "feed/model.hpp"

namespace feedd::store {

std::int64_t content_hash(const feed::Entry& e);
std::int64_t legacy_content_hash(const feed::Entry& e);

}  // namespace feedd::store
