#pragma once
// Small helpers shared by the operations tests (files, running feedd).

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace feedd::test::ops {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

inline ProcessResult run_feedd(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), feedd_binary());
  return run(std::move(args), std::chrono::seconds(60), std::move(env));
}

}  // namespace feedd::test::ops
