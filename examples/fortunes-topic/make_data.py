#!/usr/bin/python3
"""Make data/fortunes_topic_15.tsv: 400 fortunes from each of the 15 topics
of Debian's `fortunes` (BSD) that have at least 400, drawn with a fixed seed
and kept in file order, from the project's shared copy
(topic<TAB>text, newlines escaped as \\n, tabs as \\t, backslashes as \\\\).

    /usr/bin/python3 examples/fortunes-topic/make_data.py [SOURCE.tsv]
"""
import random
import sys

PER_TOPIC = 400
src = sys.argv[1] if len(sys.argv) > 1 else \
    "/work/shared/data/classify/fortunes_topic.tsv"
with open(src, encoding="utf-8") as f:
    lines = f.readlines()
by_topic = {}
for i, line in enumerate(lines):
    by_topic.setdefault(line.split("\t", 1)[0], []).append(i)
rng = random.Random(1)
keep = set()
topics = sorted(t for t, idx in by_topic.items() if len(idx) >= PER_TOPIC)
for t in topics:
    keep.update(rng.sample(by_topic[t], PER_TOPIC))
with open("data/fortunes_topic_15.tsv", "w", encoding="utf-8") as out:
    for i in sorted(keep):
        out.write(lines[i])
assert len(topics) == 15, topics
print(f"data/fortunes_topic_15.tsv: {len(keep)} fortunes in {len(topics)} topics:",
      " ".join(topics))
