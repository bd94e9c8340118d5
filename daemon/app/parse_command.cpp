#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.hpp"
#include "feed/json.hpp"
#include "feed/parser.hpp"

namespace feedd::app {

int parse_command(const ParseArgs& args) {
  std::ifstream in(args.source, std::ios::binary);
  if (!in) {
    std::cerr << "feedd: cannot read " << args.source << "\n";
    return 1;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();

  feed::ParseOptions options;
  options.base_url = args.base_url;
  options.content_type = args.content_type;
  auto parsed = feed::parse(bytes.view(), options);
  if (!parsed) {
    std::cerr << "feedd: " << args.source << ": " << parsed.error().message << "\n";
    return 1;
  }
  if (args.json) {
    std::cout << feed::to_json(*parsed) << "\n";
  } else {
    std::cout << feed::to_json(*parsed, 2) << "\n";
  }
  return 0;
}

}  // namespace feedd::app
