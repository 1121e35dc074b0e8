#!/usr/bin/python3
"""Make the bundled sequence-to-sequence data sets from the shared sources
(see data/README.md for sources and licences). Deterministic.

  /usr/bin/python3 scripts/make_seq2seq_data.py [SHARED_DATA_DIR]

writes
  data/cmudict-g2p.tsv  WORD<TAB>PHONEMES: alphabetic CMUdict words, first
                        pronunciation only, stress digits removed (39
                        phonemes), a seeded random 40,000 of them;
  data/de-en.tsv        German<TAB>English sentence pairs with both sides at
                        most 40 characters;
  data/udhr-words.tsv   LANGUAGE<TAB>word: up to 600 distinct lower-case
                        words (3-12 letters) of each of 12 languages from the
                        Universal Declaration of Human Rights (one to many).
"""
import random
import re
import sys
import unicodedata

src = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"
out = "data"

# ---- CMUdict ----
pairs = []
with open(f"{src}/seq2seq/cmudict.txt", encoding="utf-8") as f:
    for line in f:
        if line.startswith(";;;"):
            continue
        parts = line.split()
        if len(parts) < 2:
            continue
        word, phones = parts[0], parts[1:]
        if not re.fullmatch(r"[A-Z]+", word):  # no alternates "(1)", no punctuation
            continue
        phones = [re.sub(r"\d", "", p) for p in phones]
        pairs.append((word, " ".join(phones)))
random.Random(1).shuffle(pairs)
pairs = sorted(pairs[:40000])
with open(f"{out}/cmudict-g2p.tsv", "w", encoding="utf-8") as f:
    for w, p in pairs:
        f.write(f"{w}\t{p}\n")
print(f"cmudict-g2p.tsv: {len(pairs)} words")

# ---- de-en ----
n = 0
with open(f"{src}/seq2seq/de_en_sentences.tsv", encoding="utf-8") as f, \
        open(f"{out}/de-en.tsv", "w", encoding="utf-8") as g:
    for line in f:
        fields = line.rstrip("\n").split("\t")
        if len(fields) != 2 or not fields[0] or not fields[1]:
            continue
        if len(fields[0]) <= 40 and len(fields[1]) <= 40:
            g.write(f"{fields[0]}\t{fields[1]}\n")
            n += 1
print(f"de-en.tsv: {n} pairs")

# ---- UDHR words ----
langs = ["deu_1996", "eng", "fra", "spa", "ita", "nld", "por_PT", "fin", "pol",
         "tur", "hun", "swe"]
words = {l: set() for l in langs}
with open(f"{src}/classify/udhr_language_paragraphs.tsv", encoding="utf-8") as f:
    for line in f:
        code, _, text = line.rstrip("\n").partition("\t")
        if code in words:
            for w in re.findall(r"\w+", text.lower()):
                if 3 <= len(w) <= 12 and all(unicodedata.category(c).startswith("L") for c in w):
                    words[code].add(w)
rows = []
for l in langs:
    ws = sorted(words[l])
    random.Random(2).shuffle(ws)
    rows += [(l.split("_")[0], w) for w in sorted(ws[:600])]
with open(f"{out}/udhr-words.tsv", "w", encoding="utf-8") as f:
    for l, w in rows:
        f.write(f"{l}\t{w}\n")
print(f"udhr-words.tsv: {len(rows)} words in {len(langs)} languages")
