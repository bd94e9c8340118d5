// Readers elsewhere subscribe through a web server: the README's nginx snippet, run on
// loopback over a real output directory, serves the feeds with the validators static
// serving gives (ETag, Last-Modified) and answers conditional requests with 304.

#include <doctest/doctest.h>

#include <curl/curl.h>

#include <cctype>
#include <map>

#include "integration/output/merged_setup.hpp"
#include "output/atomic_file.hpp"
#include "support/nginx.hpp"

using feedd::test::output::MergedOutput;
using feedd::test::read_file;
using namespace std::chrono_literals;

namespace {

struct Fetched {
  long status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* out) {
  const std::string line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t\r\n") + 1);
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}

Fetched get(const std::string& url, const std::vector<std::string>& headers = {}) {
  Fetched f;
  CURL* curl = curl_easy_init();
  REQUIRE(curl != nullptr);
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &f.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &f.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &f.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return f;
}

// The README's snippet: the ```nginx block of its "Serving the output" section.
std::string readme_snippet() {
  const std::string readme = read_file(std::string(FEEDD_SOURCE_DIR) + "/README.md");
  const auto section = readme.find("\n## Serving the output");
  REQUIRE(section != std::string::npos);
  const auto start = readme.find("```nginx\n", section);
  REQUIRE(start != std::string::npos);
  const auto body = start + 9;
  const auto end = readme.find("```", body);
  REQUIRE(end != std::string::npos);
  return readme.substr(body, end - body);
}

}  // namespace

TEST_CASE("nginx serves the output directory with the README's snippet: ETag, Last-Modified and 304s") {
  // Without nginx this fails, naming the package (the TLS tests do the same): a test that
  // passes by not running says nothing.
  MergedOutput m;
  const auto atom = m.out / "feed.atom";
  // An older mtime, so that the rewrite below shows in Last-Modified.
  std::filesystem::last_write_time(atom, std::filesystem::last_write_time(atom) - 1h);

  std::string snippet = readme_snippet();
  const std::string placeholder = "/var/lib/feedd/output/";
  const auto at = snippet.find(placeholder);
  REQUIRE(at != std::string::npos);
  snippet.replace(at, placeholder.size(), m.out.string() + "/");

  const auto port = feedd::test::unused_port();
  feedd::test::Nginx nginx(m.dir.file("nginx"), port,
                           "  access_log off;\n  server {\n    listen 127.0.0.1:" + std::to_string(port) + ";\n" +
                               snippet + "  }\n");

  const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/feeds/";
  Fetched first = get(base + "feed.atom");
  INFO(nginx.error_log());
  REQUIRE(first.status == 200);
  CHECK(first.body == read_file(atom));
  CHECK(first.headers["content-type"].rfind("application/atom+xml", 0) == 0);
  const std::string etag = first.headers["etag"];
  const std::string modified = first.headers["last-modified"];
  CHECK_FALSE(etag.empty());
  CHECK_FALSE(modified.empty());

  CHECK(get(base + "feed.atom", {"If-None-Match: " + etag}).status == 304);
  CHECK(get(base + "feed.atom", {"If-Modified-Since: " + modified}).status == 304);

  auto rss = get(base + "feed.rss");
  CHECK(rss.status == 200);
  CHECK(rss.headers["content-type"].rfind("application/rss+xml", 0) == 0);
  auto today = get(base + "digest/today");
  CHECK(today.status == 200);
  CHECK(today.body == read_file(m.out / "digest" / "today"));
  CHECK(today.headers["content-type"].rfind("text/plain", 0) == 0);

  SUBCASE("after feedd rewrites the feed, the old validators get the new document") {
    std::string changed = read_file(atom);
    changed.insert(changed.find("<title>") + 7, "Updated: ");
    REQUIRE(feedd::output::write_atomically(atom, changed).ok());
    auto again = get(base + "feed.atom", {"If-None-Match: " + etag});
    CHECK(again.status == 200);
    CHECK(again.body == changed);
    CHECK(again.headers["etag"] != etag);
    CHECK(get(base + "feed.atom", {"If-Modified-Since: " + modified}).status == 200);
  }

  CHECK(nginx.stop());
}
