// `feedd import-opml` and `feedd export-opml` as real processes, on OPML written the way
// newsboat (flat outlines, titles only) and Miniflux (categories as nested outlines) write it.

#include <doctest/doctest.h>

#include <pugixml.hpp>

#include "config/config.hpp"
#include "integration/ops/ops_support.hpp"
#include "support/temp_dir.hpp"

using feedd::test::ops::run_feedd;
using feedd::test::ops::slurp;

namespace {

const std::string kOpml = std::string(FEEDD_FIXTURES) + "/opml";

const char* kMainConfig = R"(# My feeds. This comment must survive an import.
[feedd]
database = "state/feedd.db"   # next to this file
output_dir = "out"

[[feed]]
url = "https://lwn.net/headlines/rss"
title = "LWN"
)";

struct Summary {
  std::string url;
  std::string title;
  std::vector<std::string> tags;
  bool operator==(const Summary&) const = default;
};

std::vector<Summary> feeds_of(const std::filesystem::path& config) {
  const auto loaded = feedd::config::load(config, {.allow_no_feeds = true});
  REQUIRE(loaded.config.has_value());
  std::vector<Summary> out;
  for (const auto& f : loaded.config->feeds) out.push_back({f.url, f.title, f.tags});
  return out;
}

}  // namespace

TEST_CASE("import-opml appends newsboat's feeds to the config as text, keeping its comments") {
  feedd::test::TempDir dir("feedd-opml");
  const auto config = dir.write("feedd.toml", kMainConfig);

  const auto r = run_feedd({"import-opml", kOpml + "/newsboat.opml", "-c", config.string()});
  INFO((r.out + r.err));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "skipped https://lwn.net/headlines/rss: already in " + config.string() + ":6\n"
                 "added https://www.example.org/news/feed.xml (Science & Society \"Weekly\")\n"
                 "added https://blog.example.net/atom.xml\n"
                 "imported 2 feeds into " + config.string() + "; 1 already there, 0 invalid\n");
  CHECK(slurp(config) == std::string(kMainConfig) +
                             "\n# Imported from newsboat.opml by feedd import-opml.\n"
                             "[[feed]]\n"
                             "url = \"https://www.example.org/news/feed.xml\"\n"
                             "title = \"Science & Society \\\"Weekly\\\"\"\n"
                             "\n"
                             "[[feed]]\n"
                             "url = \"https://blog.example.net/atom.xml\"\n");
  CHECK(feeds_of(config) == std::vector<Summary>{
                                {"https://lwn.net/headlines/rss", "LWN", {}},
                                {"https://www.example.org/news/feed.xml", "Science & Society \"Weekly\"", {}},
                                {"https://blog.example.net/atom.xml", "", {}}});

  SUBCASE("importing the same list again changes nothing") {
    const std::string before = slurp(config);
    const auto again = run_feedd({"import-opml", kOpml + "/newsboat.opml", "-c", config.string()});
    CHECK(again.exit_code == 0);
    CHECK(again.out.ends_with("imported 0 feeds into " + config.string() + "; 3 already there, 0 invalid\n"));
    CHECK(slurp(config) == before);
  }
}

TEST_CASE("import-opml writes Miniflux's feeds to the feeds file, folders becoming tags") {
  feedd::test::TempDir dir("feedd-opml");
  const std::string main_text = std::string(kMainConfig) + "# the feeds file is created by the import\n";
  const auto config = dir.write("feedd.toml", main_text.substr(0, main_text.find("[[feed]]")) +
                                                  "feeds_file = \"feeds.toml\"\n");
  const std::string config_before = slurp(config);

  const auto r = run_feedd({"import-opml", kOpml + "/miniflux.opml", "-c", config.string()});
  INFO((r.out + r.err));
  REQUIRE(r.exit_code == 0);
  CHECK(slurp(config) == config_before);
  CHECK(r.out.find("skipped gopher://gopher.example.org/feed: feed.url = \"gopher://gopher.example.org/feed\" "
                   "is not a valid URL") != std::string::npos);
  CHECK(r.out.ends_with("imported 4 feeds into " + dir.file("feeds.toml").string() + "; 0 already there, 1 invalid\n"));
  CHECK(feeds_of(config) == std::vector<Summary>{
                                {"https://www.themoscowtimes.com/rss/news", "The Moscow Times", {"News"}},
                                {"https://www.aljazeera.com/xml/rss/all.xml", "Al Jazeera – English", {"News"}},
                                {"https://lwn.net/headlines/rss", "LWN.net", {"Tech", "Linux"}},
                                {"https://code.example.com/releases.atom", "Release notes", {"Tech"}}});

  // Positions of feeds from the feeds file name that file.
  const auto loaded = feedd::config::load(config);
  REQUIRE(loaded.config.has_value());
  CHECK(loaded.config->feeds[2].file == dir.file("feeds.toml").string());
  CHECK(slurp(dir.file("feeds.toml")).find("[[feed]]\nurl = \"https://lwn.net/headlines/rss\"\n"
                                           "title = \"LWN.net\"\ntags = [\"Tech\", \"Linux\"]\n") != std::string::npos);
}

TEST_CASE("export-opml writes OPML 2.0 that import-opml reads back into the same feeds") {
  feedd::test::TempDir dir("feedd-opml");
  const auto source = dir.write("source.toml", "[feedd]\nfeeds_file = \"source-feeds.toml\"\n");
  REQUIRE(run_feedd({"import-opml", kOpml + "/miniflux.opml", "-c", source.string()}).exit_code == 0);
  REQUIRE(run_feedd({"import-opml", kOpml + "/newsboat.opml", "-c", source.string()}).exit_code == 0);
  const auto original = feeds_of(source);
  REQUIRE(original.size() == 6);

  const auto exported = run_feedd({"export-opml", "-c", source.string()});
  REQUIRE(exported.exit_code == 0);
  pugi::xml_document doc;
  REQUIRE(doc.load_string(exported.out.c_str()));
  CHECK(std::string(doc.document_element().attribute("version").value()) == "2.0");
  const auto lwn = doc.select_node("/opml/body/outline[@xmlUrl='https://lwn.net/headlines/rss']").node();
  CHECK(std::string(lwn.attribute("title").value()) == "LWN.net");
  CHECK(std::string(lwn.attribute("category").value()) == "Tech,Linux");

  const auto file = dir.write("exported.opml", exported.out);
  const auto target = dir.write("target.toml", "# empty so far\n");
  const auto r = run_feedd({"import-opml", file.string(), "-c", target.string()});
  INFO((r.out + r.err));
  REQUIRE(r.exit_code == 0);
  CHECK(feeds_of(target) == original);

  SUBCASE("-o writes the same document to a file") {
    const auto to_file = run_feedd({"export-opml", "-c", source.string(), "-o", dir.file("out.opml").string()});
    CHECK(to_file.exit_code == 0);
    CHECK(to_file.out.empty());
    CHECK(slurp(dir.file("out.opml")) == exported.out);
  }
}

TEST_CASE("import-opml refuses a file that is not OPML and leaves the config alone") {
  feedd::test::TempDir dir("feedd-opml");
  const auto config = dir.write("feedd.toml", kMainConfig);
  const auto r = run_feedd({"import-opml", kOpml + "/not_opml.xml", "-c", config.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err == kOpml + "/not_opml.xml: not OPML: the root element is <rss>, not <opml>\n");
  CHECK(slurp(config) == kMainConfig);
}

TEST_CASE("import-opml refuses to write into an invalid config") {
  feedd::test::TempDir dir("feedd-opml");
  const std::string text = "[fetch]\nmax_redirects = 99\n";
  const auto config = dir.write("feedd.toml", text);
  const auto r = run_feedd({"import-opml", kOpml + "/newsboat.opml", "-c", config.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(config.string() + ":2:17: fetch.max_redirects = 99 is out of range") == 0);
  CHECK(r.err.ends_with("fix these problems first; nothing was imported\n"));
  CHECK(slurp(config) == text);
}

TEST_CASE("export-opml of a config without feeds writes an OPML document with an empty body") {
  feedd::test::TempDir dir("feedd-opml");
  const auto config = dir.write("feedd.toml", "[output]\ntitle = \"Mine\"\n");
  const auto r = run_feedd({"export-opml", "-c", config.string()});
  REQUIRE(r.exit_code == 0);
  pugi::xml_document doc;
  REQUIRE(doc.load_string(r.out.c_str()));
  CHECK(std::string(doc.select_node("/opml/head/title").node().text().get()) == "Mine feeds");
  CHECK(doc.select_node("/opml/body").node());
  CHECK_FALSE(doc.select_node("/opml/body/outline").node());
}
