#pragma once
// How the parts of an entry without a column of their own are kept: authors, categories
// and enclosures as one compact JSON object in entries.extra, e.g.
//   {"a":[{"e":"ann@example.org","n":"Ann","u":"https://..."}],"c":["tech"],
//    "x":[{"l":1234,"t":"audio/mpeg","u":"https://.../ep1.mp3"}]}
// JSON, because it is readable with the sqlite3 shell's json functions and a hand-made
// format would need its own escaping; one column, because outputs always want all three
// together and separate tables would triple the rows written per new entry. Absent
// values are left out, and an entry with none of the three stores NULL.
// This is the only store file that includes nlohmann-json.

#include <string>
#include <string_view>
#include <vector>

#include "feed/model.hpp"

namespace feedd::store::codec {

struct Extra {
  std::vector<feed::Person> authors;
  std::vector<std::string> categories;
  std::vector<feed::Enclosure> enclosures;
};

// "" when all three are empty. Byte for byte what nlohmann::json's dump() writes for the
// object above.
std::string encode_extra(const std::vector<feed::Person>& authors,
                         const std::vector<std::string>& categories,
                         const std::vector<feed::Enclosure>& enclosures);
// Tolerant: what cannot be read is left out.
Extra decode_extra(std::string_view json);

// A JSON array of strings, to bind as one parameter and read with json_each() in SQL.
std::string string_array(const std::vector<std::string>& values);

}  // namespace feedd::store::codec
