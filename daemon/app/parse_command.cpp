// `feedd parse FILE|URL`: what the parser makes of one document. A URL (http, https, or
// file:// as a config may name a feed) is fetched as a poll fetches it, so the answer is
// what the daemon would store.

#include <uv.h>

#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "app/commands.hpp"
#include "feed/json.hpp"
#include "feed/parser.hpp"
#include "fetch/client.hpp"
#include "fetch/url_text.hpp"

namespace feedd::app {
namespace {

// http://, https:// or file://, in any case; anything else is a file's path.
bool is_url(std::string_view s) {
  const std::string scheme = fetch::url_scheme(s);
  return (scheme == "http" || scheme == "https" || scheme == "file") && s.substr(scheme.size(), 3) == "://";
}

// One transfer on an event loop of its own, with the limits, User-Agent and certificate
// checks of a poll under the default configuration (proxies from libcurl's environment
// variables, as in the daemon).
fetch::Response fetch_once(const std::string& url) {
  fetch::Response got;
  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0) {
    got.error = "cannot initialize the event loop";
    return got;
  }
  {
    fetch::Client client(&loop);
    fetch::Request request;
    request.url = url;
    request.allow_file = fetch::url_scheme(url) == "file";
    client.start(std::move(request), [&](fetch::Response response) {
      got = std::move(response);
      uv_stop(&loop);  // the connection left open for reuse would keep the loop running
    });
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // the client's handles close
  uv_loop_close(&loop);
  return got;
}

std::optional<std::string> read_source(const ParseArgs& args, feed::ParseOptions& options) {
  if (!is_url(args.source)) {
    std::ifstream in(args.source, std::ios::binary);
    if (!in) {
      std::cerr << "feedd: cannot read " << args.source << "\n";
      return std::nullopt;
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return std::move(bytes).str();
  }
  fetch::Response response;
  try {
    response = fetch_once(args.source);
  } catch (const std::exception& e) {  // libcurl could not be set up
    std::cerr << "feedd: " << args.source << ": " << e.what() << "\n";
    return std::nullopt;
  }
  if (response.outcome != fetch::Outcome::ok) {
    std::cerr << "feedd: " << args.source << ": " << (response.error.empty() ? "transfer failed" : response.error)
              << "\n";
    return std::nullopt;
  }
  if (response.status < 200 || response.status >= 300) {
    std::cerr << "feedd: " << args.source << ": HTTP status " << response.status << "\n";
    return std::nullopt;
  }
  // Relative links resolve against where the document was (after redirects), and the
  // charset comes from the server, unless the command line says otherwise.
  if (options.base_url.empty()) options.base_url = response.effective_url;
  if (options.content_type.empty()) options.content_type = response.content_type;
  return std::move(response.body);
}

}  // namespace

int parse_command(const ParseArgs& args) {
  feed::ParseOptions options;
  options.base_url = args.base_url;
  options.content_type = args.content_type;
  const auto bytes = read_source(args, options);
  if (!bytes) return 1;
  auto parsed = feed::parse(*bytes, options);
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
