#pragma once
// A merged feed made the way users get one: the real feedd binary runs one round over
// feeds served on loopback, whose text carries every character XML and HTML treat
// specially, and two of which share an article.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "support/files.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace feedd::test::output {

inline const char* kSharedLink = "https://news.example.org/2025/02/27/embassy-talks?id=7&lang=en";
// Plain text with what XML escapes (& < > " '), a CDATA end, and non-ASCII.
inline const char* kHostileTitle = "Tom & Jerry: 3 < 4 > 2, \"quoted\" and 'single' ]]> Ünïcödé — done";

inline std::string rss_source() {
  return R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire &amp; Co. &lt;A&gt;</title><link>https://a.example/</link>
<description>A</description>
<item><title>Officials Meet for Embassy Talks</title><link>https://news.example.org/2025/02/27/embassy-talks?id=7&amp;lang=en</link>
<guid isPermaLink="false">a-1</guid><pubDate>Thu, 27 Feb 2025 15:04:00 +0300</pubDate>
<description><![CDATA[<p>Talks &amp; more: <b>bold</b>, a <a href="https://a.example/x?a=1&amp;b=2">link</a></p>]]></description></item>
<item><title>Tom &amp; Jerry: 3 &lt; 4 &gt; 2, "quoted" and 'single' ]]&gt; Ünïcödé — done</title>
<link>https://a.example/hostile?x=1&amp;y=%3Cz%3E</link><guid>https://a.example/hostile?x=1&amp;y=%3Cz%3E</guid>
<pubDate>Thu, 27 Feb 2025 11:00:00 GMT</pubDate><author>desk@a.example (The Desk)</author>
<category>World &amp; Politics</category>
<enclosure url="https://a.example/audio.mp3?a=1&amp;b=2" length="12345" type="audio/mpeg"/>
<description>Escaped HTML: &lt;p&gt;one &amp;amp; two&lt;/p&gt;&lt;script&gt;alert("x")&lt;/script&gt;</description></item>
<item><title>No date at all</title><link>https://a.example/undated</link></item>
</channel></rss>)";
}

inline std::string atom_source() {
  return R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire B</title><id>tag:b.example,2025:feed</id>
<updated>2025-02-27T12:00:00Z</updated><link href="https://b.example/"/>
<entry><title>Officials Meet for Embassy Talks</title>
<link href="https://news.example.org/2025/02/27/embassy-talks?id=7&amp;lang=en&amp;utm_source=b"/>
<id>tag:b.example,2025:1</id><updated>2025-02-27T12:00:00Z</updated></entry>
<entry><title type="html">Markup &lt;em&gt;in&lt;/em&gt; a title</title><link href="https://b.example/only-b"/>
<id>tag:b.example,2025:2</id><published>2025-02-27T13:00:00Z</published><updated>2025-02-27T14:30:00Z</updated>
<author><name>Ann O'Hara</name><email>ann@b.example</email></author>
<content type="html">&lt;p&gt;Body with &amp;lt;angle&amp;gt; text&lt;/p&gt;</content></entry>
</feed>)";
}

struct MergedOutput {
  HttpServer server;
  TempDir dir{"feedd-merged"};
  std::filesystem::path out = dir.file("out");
  std::vector<store::StoredEntry> entries;  // newest first, as the store has them

  MergedOutput() {
    server.add_endpoint("/a.rss", 200, {{"Content-Type", "application/rss+xml"}}, rss_source());
    server.add_endpoint("/b.atom", 200, {{"Content-Type", "application/atom+xml"}}, atom_source());
    dir.write("feedd.toml",
              "[feedd]\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\n"
              "[output]\ntitle = \"All the news & more\"\nbase_url = \"http://127.0.0.1/feeds/\"\n"
              "[[feed]]\nurl = \"" + server.url("/a.rss") + "\"\ntags = [\"wire a\"]\n"
              "[[feed]]\nurl = \"" + server.url("/b.atom") + "\"\ntags = [\"wire a\", \"b\"]\n");
    auto r = run({"/usr/bin/env", "TZ=UTC", feedd_binary(), "once", "-c", dir.file("feedd.toml").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto store = store::Store::open(dir.file("feedd.db"));
    REQUIRE(store.ok());
    entries = (*store)->newest(1000);
    REQUIRE(entries.size() == 4);  // five items, one article in both feeds
  }
};

}  // namespace feedd::test::output
