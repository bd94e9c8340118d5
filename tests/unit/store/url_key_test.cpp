#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "store/url_key.hpp"

using feedd::store::url_key;

namespace {

struct Case {
  const char* rule;
  const char* url;
  const char* key;  // "" = no key
};

// One row per rule and edge; the README's "Deduplication" section lists the same rules.
const Case kCases[] = {
    {"plain URL", "https://example.com/a", "//example.com/a"},
    {"http and https are one", "http://example.com/a", "//example.com/a"},
    {"scheme in any case", "HTTPS://example.com/a", "//example.com/a"},
    {"host lower-cased", "https://Example.COM/a", "//example.com/a"},
    {"path case kept", "https://example.com/Some/Path", "//example.com/Some/Path"},
    {"empty path becomes /", "https://example.com", "//example.com/"},
    {"empty path before a query", "https://example.com?p=1", "//example.com/?p=1"},
    {"empty path before a fragment", "https://example.com#top", "//example.com/"},
    {"default port 80 dropped", "http://example.com:80/a", "//example.com/a"},
    {"default port 443 dropped", "https://example.com:443/a", "//example.com/a"},
    {"port 443 dropped on http too", "http://example.com:443/a", "//example.com/a"},
    {"other port kept", "https://example.com:8443/a", "//example.com:8443/a"},
    {"leading zeros of a port dropped", "http://example.com:0080/a", "//example.com/a"},
    {"empty port ignored", "http://example.com:/a", "//example.com/a"},
    {"non-numeric port: no key", "http://example.com:8o/a", ""},
    {"port above 65535: no key", "http://example.com:70000/a", ""},
    {"fragment dropped", "https://example.com/a#comments", "//example.com/a"},
    {"hash-bang route kept", "https://example.com/#!/post/7", "//example.com/#!/post/7"},
    {"user and password dropped", "https://ann:secret@example.com/a", "//example.com/a"},
    {"trailing dot of the host dropped", "https://example.com./a", "//example.com/a"},
    {"IDN host as punycode", "https://b\xc3\xbc" "cher.example/a", "//xn--bcher-kva.example/a"},
    {"IDN host upper-case letters folded", "https://B\xc3\x9c" "CHER.example/a",
     "//xn--bcher-kva.example/a"},
    {"IDN host, Japanese labels", "http://\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88/",
     "//xn--r8jz45g.xn--zckzah/"},
    {"IDN host, Cyrillic upper case folded", "https://\xd0\x9f\xd0\xa0\xd0\x98\xd0\x9c\xd0\x95\xd0\xa0.\xd1\x80\xd1\x84/",
     "//xn--e1afmkfd.xn--p1ai/"},
    {"IDN host, escaped UTF-8", "https://m%C3%BCnchen.example/", "//xn--mnchen-3ya.example/"},
    {"host with malformed UTF-8: no key", "https://m\xfcnchen.example/", ""},
    {"punycode host lower-cased", "https://XN--BCHER-KVA.example/a", "//xn--bcher-kva.example/a"},
    {"IPv6 literal kept, lower-cased", "http://[2001:DB8::1]:8080/a", "//[2001:db8::1]:8080/a"},
    {"IPv4 literal kept", "http://192.0.2.1/a", "//192.0.2.1/a"},
    {"escaped unreserved letter decoded", "https://example.com/%41%62c", "//example.com/Abc"},
    {"escaped tilde decoded", "https://example.com/%7Euser/", "//example.com/~user/"},
    {"escape hex upper-cased", "https://example.com/a%2fb", "//example.com/a%2Fb"},
    {"reserved escape stays escaped", "https://example.com/a%3Fb", "//example.com/a%3Fb"},
    {"space escaped", "https://example.com/a b", "//example.com/a%20b"},
    {"non-ASCII path escaped", "https://example.com/caf\xc3\xa9", "//example.com/caf%C3%A9"},
    {"stray percent escaped", "https://example.com/100%", "//example.com/100%25"},
    {"dot segments resolved", "https://example.com/a/./b/../c", "//example.com/a/c"},
    {"escaped dot segments resolved", "https://example.com/a/%2E%2E/b", "//example.com/b"},
    {"dot-dot above the root stays at the root", "https://example.com/../a", "//example.com/a"},
    {"dot segments resolved before a query", "https://example.com/a/../b?x=1",
     "//example.com/b?x=1"},
    {"a segment starting with a dot is kept", "https://example.com/.well-known/feed",
     "//example.com/.well-known/feed"},
    {"trailing slash kept", "https://example.com/a/", "//example.com/a/"},
    {"utm_ parameters removed", "https://example.com/a?utm_source=rss&utm_medium=feed",
     "//example.com/a"},
    {"utm_ in any case removed", "https://example.com/a?UTM_Campaign=x&id=3",
     "//example.com/a?id=3"},
    {"escaped utm_ name removed", "https://example.com/a?utm%5Fsource=x&id=3",
     "//example.com/a?id=3"},
    {"fbclid removed", "https://example.com/a?fbclid=IwAR0", "//example.com/a"},
    {"gclid removed, others kept in order", "https://example.com/a?b=2&gclid=x&a=1",
     "//example.com/a?b=2&a=1"},
    {"mc_cid and mc_eid removed", "https://example.com/a?mc_cid=1&mc_eid=2&p=3",
     "//example.com/a?p=3"},
    {"a parameter merely starting like one kept", "https://example.com/a?fbclidx=1",
     "//example.com/a?fbclidx=1"},
    {"empty query dropped", "https://example.com/a?", "//example.com/a"},
    {"empty parameters dropped", "https://example.com/a?&&x=1&", "//example.com/a?x=1"},
    {"query escapes normalized", "https://example.com/a?q=%7e%2f", "//example.com/a?q=~%2F"},
    {"plus in a query kept", "https://example.com/s?q=a+b", "//example.com/s?q=a+b"},
    {"escaped ampersand stays part of a value", "https://example.com/s?q=a%26b",
     "//example.com/s?q=a%26b"},
    {"surrounding spaces trimmed", "  https://example.com/a \n", "//example.com/a"},
    {"tabs and line breaks inside removed", "https://exam\tple.com/a\r\nb", "//example.com/ab"},
    {"relative URL: no key", "/a/b", ""},
    {"no scheme: no key", "example.com/a", ""},
    {"other scheme: no key", "ftp://example.com/a", ""},
    {"mailto: no key", "mailto:ann@example.com", ""},
    {"a tag URI is no URL key", "tag:example.com,2025:post-1", ""},
    {"empty host: no key", "https:///a", ""},
    {"empty string: no key", "", ""},
    {"host with a space: no key", "https://exa mple.com/a", ""},
    {"host with consecutive dots: no key", "https://example..com/a", ""},
    {"host ending in two dots: no key", "https://example.com../a", ""},
    {"host of a dot alone: no key", "https://./a", ""},
};

}  // namespace

TEST_CASE("the URL key follows each documented rule") {
  CHECK(std::size(kCases) >= 40);
  for (const Case& c : kCases) {
    const std::string rule = c.rule;
    const std::string url = c.url;
    CAPTURE(rule);
    CAPTURE(url);
    CHECK(url_key(url) == std::string(c.key));
  }
}

TEST_CASE("configured tracking parameters are removed by name or by prefix") {
  const std::vector<std::string> extra{"ref", "itm_*"};
  CHECK(url_key("https://example.com/a?ref=rss&id=1", extra) == "//example.com/a?id=1");
  CHECK(url_key("https://example.com/a?REF=rss", extra) == "//example.com/a");
  CHECK(url_key("https://example.com/a?itm_source=x&itm_medium=y&k=v", extra) ==
        "//example.com/a?k=v");
  CHECK(url_key("https://example.com/a?referrer=x", extra) == "//example.com/a?referrer=x");
  // Without the list, the same parameters are kept.
  CHECK(url_key("https://example.com/a?ref=rss") == "//example.com/a?ref=rss");
}

TEST_CASE("the URL key is idempotent: a key read as a URL gives itself") {
  for (const Case& c : kCases) {
    if (std::string(c.key).empty()) continue;
    const std::string url = c.url;
    CAPTURE(url);
    CHECK(url_key(std::string("https:") + c.key) == c.key);
  }
}
