#pragma once
// The `feedd parse --json` shape (README: "feedd parse --json").

#include <string>

#include "feed/model.hpp"

namespace feedd::feed {

std::string to_json(const Feed& feed, int indent = -1);

}  // namespace feedd::feed
