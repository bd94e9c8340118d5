#include <doctest/doctest.h>

#include "feed/url.hpp"

using namespace feedd::feed;

// RFC 3986 section 5.4: the reference resolution examples, base "http://a/b/c/d;p?q".
TEST_CASE("relative references resolve as in RFC 3986's normal examples") {
  const char* base = "http://a/b/c/d;p?q";
  CHECK(resolve_url(base, "g:h") == "g:h");
  CHECK(resolve_url(base, "g") == "http://a/b/c/g");
  CHECK(resolve_url(base, "./g") == "http://a/b/c/g");
  CHECK(resolve_url(base, "g/") == "http://a/b/c/g/");
  CHECK(resolve_url(base, "/g") == "http://a/g");
  CHECK(resolve_url(base, "//g") == "http://g");
  CHECK(resolve_url(base, "?y") == "http://a/b/c/d;p?y");
  CHECK(resolve_url(base, "g?y") == "http://a/b/c/g?y");
  CHECK(resolve_url(base, "#s") == "http://a/b/c/d;p?q#s");
  CHECK(resolve_url(base, "g#s") == "http://a/b/c/g#s");
  CHECK(resolve_url(base, "g?y#s") == "http://a/b/c/g?y#s");
  CHECK(resolve_url(base, ";x") == "http://a/b/c/;x");
  CHECK(resolve_url(base, "g;x") == "http://a/b/c/g;x");
  CHECK(resolve_url(base, "") == "http://a/b/c/d;p?q");
  CHECK(resolve_url(base, ".") == "http://a/b/c/");
  CHECK(resolve_url(base, "./") == "http://a/b/c/");
  CHECK(resolve_url(base, "..") == "http://a/b/");
  CHECK(resolve_url(base, "../") == "http://a/b/");
  CHECK(resolve_url(base, "../g") == "http://a/b/g");
  CHECK(resolve_url(base, "../..") == "http://a/");
  CHECK(resolve_url(base, "../../") == "http://a/");
  CHECK(resolve_url(base, "../../g") == "http://a/g");
}

TEST_CASE("relative references resolve as in RFC 3986's abnormal examples") {
  const char* base = "http://a/b/c/d;p?q";
  CHECK(resolve_url(base, "../../../g") == "http://a/g");
  CHECK(resolve_url(base, "../../../../g") == "http://a/g");
  CHECK(resolve_url(base, "/./g") == "http://a/g");
  CHECK(resolve_url(base, "/../g") == "http://a/g");
  CHECK(resolve_url(base, "g.") == "http://a/b/c/g.");
  CHECK(resolve_url(base, ".g") == "http://a/b/c/.g");
  CHECK(resolve_url(base, "g..") == "http://a/b/c/g..");
  CHECK(resolve_url(base, "..g") == "http://a/b/c/..g");
  CHECK(resolve_url(base, "./../g") == "http://a/b/g");
  CHECK(resolve_url(base, "./g/.") == "http://a/b/c/g/");
  CHECK(resolve_url(base, "g/./h") == "http://a/b/c/g/h");
  CHECK(resolve_url(base, "g/../h") == "http://a/b/c/h");
  CHECK(resolve_url(base, "g;x=1/./y") == "http://a/b/c/g;x=1/y");
  CHECK(resolve_url(base, "g;x=1/../y") == "http://a/b/c/y");
  CHECK(resolve_url(base, "g?y/./x") == "http://a/b/c/g?y/./x");
  CHECK(resolve_url(base, "g#s/../x") == "http://a/b/c/g#s/../x");
  CHECK(resolve_url(base, "http:g") == "http:g");
}

TEST_CASE("a base with an authority and no path resolves against the root") {
  CHECK(resolve_url("https://example.org", "feed.xml") == "https://example.org/feed.xml");
  CHECK(resolve_url("https://example.org?x=1", "?y=2") == "https://example.org?y=2");
}

TEST_CASE("without an absolute base a relative reference is kept as written") {
  CHECK(resolve_url("", "a/b") == "a/b");
  CHECK(resolve_url("relative/base/", "a/b") == "a/b");
  CHECK(resolve_url("", "  https://example.org/x  ") == "https://example.org/x");
}

TEST_CASE("relative URLs inside HTML attributes are resolved, absolute ones and fragments kept") {
  CHECK(resolve_html_urls(R"(<a href="p/1">x</a><img src='/i.png'><a HREF=q>y</a>)", "http://h/b/") ==
        R"(<a href="http://h/b/p/1">x</a><img src='http://h/i.png'><a HREF=http://h/b/q>y</a>)");
  CHECK(resolve_html_urls(R"(<a href="https://x/">x</a><a href="#top">t</a>)", "http://h/") ==
        R"(<a href="https://x/">x</a><a href="#top">t</a>)");
  CHECK(resolve_html_urls(R"(<a href="p">x</a> data-href="p")", "") == R"(<a href="p">x</a> data-href="p")");
}

TEST_CASE("only URL attributes are resolved in HTML, not other attributes or query strings") {
  CHECK(resolve_html_urls(R"(<img alt="p.png" src="p.png" title='x'>)", "http://h/b/") ==
        R"(<img alt="p.png" src="http://h/b/p.png" title='x'>)");
  CHECK(resolve_html_urls(R"(<a href="http://x/?q=p/1&r=s">x</a> a=b)", "http://h/") ==
        R"(<a href="http://x/?q=p/1&r=s">x</a> a=b)");
  CHECK(resolve_html_urls(R"(<a href="">x</a><a href = "../up">y</a>)", "http://h/b/c") ==
        R"(<a href="">x</a><a href = "http://h/up">y</a>)");
}

TEST_CASE("the HTML length pass tells whether a URL attribute holds a relative URL") {
  bool relative = true;
  const std::string absolute = R"(<p><a href="https://x/?a=b">x</a> <img alt="a" src='http://y/i.png'> 1=2</p>)";
  CHECK(html_length(absolute.c_str(), relative) == absolute.size());
  CHECK_FALSE(relative);
  const std::string cases[] = {R"(<a href="p/1">x</a>)", R"(<img width="1" src=i.png>)",
                               std::string(100, ' ') + R"(<a title="t" HREF = "../up">)"};
  for (const std::string& html : cases) {
    CHECK(html_length(html.c_str(), relative) == html.size());
    CHECK(relative);
  }
  CHECK(html_length("", relative) == 0);
  CHECK_FALSE(relative);
}

TEST_CASE("a link through Google's redirector leads to its target, and nothing else is a redirect") {
  const std::string alert =
      "https://www.google.com/url?rct=j&sa=t&url=https://www.example.org/news/2025/a-story%3Fid%3D7%26p%3D2&ct=ga"
      "&cd=CAIyGjE0ZDA5&usg=AOvVaw0xyz";
  CHECK(redirect_target(alert) == std::optional<std::string>("https://www.example.org/news/2025/a-story?id=7&p=2"));
  CHECK(redirect_target("http://google.com/url?q=http://example.org/a&sa=U") ==
        std::optional<std::string>("http://example.org/a"));
  CHECK(redirect_target("HTTPS://WWW.GOOGLE.COM/url?url=https%3A%2F%2Fexample.org%2Fb") ==
        std::optional<std::string>("https://example.org/b"));

  // Not the redirector, or a target that is not a web URL: no target.
  CHECK_FALSE(redirect_target("https://www.google.com/search?q=https://example.org/a"));
  CHECK_FALSE(redirect_target("https://www.google.com/url/more?url=https://example.org/a"));
  CHECK_FALSE(redirect_target("https://evil.example/url?url=https://example.org/a"));
  CHECK_FALSE(redirect_target("https://www.google.com.evil.example/url?url=https://example.org/a"));
  CHECK_FALSE(redirect_target("https://www.google.com/url?url=javascript:alert(1)"));
  CHECK_FALSE(redirect_target("https://www.google.com/url?url=/relative/path"));
  CHECK_FALSE(redirect_target("https://www.google.com/url?url=https://exa%20mple.org/"));
  CHECK_FALSE(redirect_target("https://www.google.com/url?url=https%3A%2F%2F"));
  CHECK_FALSE(redirect_target("https://www.google.com/url?rct=j&sa=t"));
  CHECK_FALSE(redirect_target("https://example.org/url?url=https://example.org/a"));
  CHECK_FALSE(redirect_target("ftp://www.google.com/url?url=https://example.org/a"));
  CHECK_FALSE(redirect_target(""));
}

TEST_CASE("links through the other known redirectors lead to their targets") {
  const std::string target = "https://www.example.org/news/a-story?id=7&p=2";
  const std::string encoded = "https%3a%2f%2fwww.example.org%2fnews%2fa-story%3fid%3d7%26p%3d2";
  // One link per row of the table, as each service writes it.
  const std::string links[] = {
      "http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=68A1B2C3&url=" + encoded +
          "&c=1234567890&mkt=en-us",
      "https://duckduckgo.com/l/?uddg=" + encoded + "&rut=3f1c",
      "https://html.duckduckgo.com/l/?kh=-1&uddg=" + encoded,
      "https://l.facebook.com/l.php?u=" + encoded + "&h=AT0xyz",
      "https://lm.facebook.com/l.php?u=" + encoded,
      "https://l.instagram.com/?u=" + encoded + "&e=ATM",
      "https://www.linkedin.com/redir/redirect?url=" + encoded + "&urlhash=Ab1c",
      "https://vk.com/away.php?to=" + encoded + "&cc_key=",
      "https://www.youtube.com/redirect?event=video_description&redir_token=QUFF&q=" + encoded + "&v=abc",
      "https://steamcommunity.com/linkfilter/?url=" + encoded,
      "https://slack-redir.net/link?url=" + encoded,
  };
  for (const std::string& link : links) {
    CAPTURE(link);
    CHECK(redirect_target(link) == std::optional<std::string>(target));
  }

  // A redirect inside a redirect (its URL encoded once more): the innermost target.
  std::string twice;
  for (char c : encoded) twice += c == '%' ? std::string("%25") : std::string(1, c);
  CHECK(redirect_target("https://www.google.com/url?q=https://l.facebook.com/l.php%3Fu%3D" + twice + "&sa=U") ==
        std::optional<std::string>(target));
  // However deep the nesting, a few layers and no more are unwrapped: what is left is
  // still a link, never nothing.
  std::string nested = target;
  for (int i = 0; i < 8; ++i) nested = "https://slack-redir.net/link?url=" + nested;
  const auto unwrapped = redirect_target(nested);
  REQUIRE(unwrapped);
  CHECK(unwrapped->starts_with("https://slack-redir.net/link?url="));

  // A parameter whose name only ends or starts like the target's, another path on the
  // same host, a look-alike host: not a redirect.
  CHECK_FALSE(redirect_target("https://l.facebook.com/l.php?xu=" + encoded));
  CHECK_FALSE(redirect_target("https://l.facebook.com/l.php?uu=" + encoded));
  CHECK_FALSE(redirect_target("https://www.bing.com/news/search?url=" + encoded));
  CHECK_FALSE(redirect_target("https://www.bing.com/news/apiclick.aspx?q=" + encoded));
  CHECK_FALSE(redirect_target("https://vk.com.evil.example/away.php?to=" + encoded));
  CHECK_FALSE(redirect_target("https://www.youtube.com/watch?v=abc&q=" + encoded));
  CHECK_FALSE(redirect_target("https://duckduckgo.com/l/?uddg=javascript%3Aalert(1)"));
  CHECK_FALSE(redirect_target("https://steamcommunity.com:8443/linkfilter/?url=" + encoded));
}
