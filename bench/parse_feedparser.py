#!/usr/bin/python3
"""The peer for bench_parse: python3-feedparser parsing the same files.

    parse_feedparser.py FILE...

Prints one line of JSON: {"seconds": ..., "bytes": ..., "feeds": ..., "entries": ...}.
Only the parse is timed (files are read first), in CPU time, like bench_parse does for
itself.
"""

import json
import sys
import time

import feedparser


def main():
    docs = []
    for path in sys.argv[1:]:
        with open(path, "rb") as fp:
            docs.append(fp.read())
    entries = 0
    start = time.process_time()
    for doc in docs:
        entries += len(feedparser.parse(doc).entries)
    seconds = time.process_time() - start
    print(json.dumps({"seconds": seconds, "bytes": sum(map(len, docs)), "feeds": len(docs),
                      "entries": entries, "version": feedparser.__version__}))


if __name__ == "__main__":
    main()
