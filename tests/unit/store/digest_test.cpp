#include <doctest/doctest.h>

#include "unit/store/store_fixture.hpp"

using namespace feedd;
using namespace feedd::store;
using namespace feedd::store::test;

TEST_CASE("a digest batch begun and not marked survives a restart with its file and offset") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({entry("https://example.com/1", "One"), entry("https://example.com/2", "Two"),
                      entry("https://example.com/3", "Three")}));
  const auto batch = fx.store->undigested(2);
  REQUIRE(batch.size() == 2);
  CHECK_FALSE(fx.store->pending_digest().has_value());
  REQUIRE(fx.store->begin_digest({batch[0].id, batch[1].id}, "digest/2025-03-02.txt", 1234, at(2)).ok());
  // While the batch is pending, its entries are not handed out again.
  const auto rest = fx.store->undigested(10);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].title == "Three");
  // A second batch cannot start before the first is finished.
  CHECK_FALSE(fx.store->begin_digest({rest[0].id}, "digest/2025-03-02.txt", 2000, at(2)).ok());

  fx.reopen();  // the crash
  const auto pending = fx.store->pending_digest();
  REQUIRE(pending.has_value());
  CHECK(pending->file == "digest/2025-03-02.txt");
  CHECK(pending->offset == 1234);
  CHECK(pending->ids == std::vector<std::int64_t>{batch[0].id, batch[1].id});
  CHECK(pending->started == at(2));

  REQUIRE(fx.store->mark_digested(pending->ids).ok());
  CHECK_FALSE(fx.store->pending_digest().has_value());
  const auto left = fx.store->undigested(10);
  REQUIRE(left.size() == 1);
  CHECK(left[0].title == "Three");
}
