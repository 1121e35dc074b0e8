#!/usr/bin/python3
"""Make data/libreoffice-de-en-{train,test}.tsv (German<TAB>English) from the
shared LibreOffice files (English<TAB>German): the interface strings, then
the help pairs, both sides stripped and at most 60 characters, the first pair
of each German side only (so no source is both trained on and tested), a
seeded 1,000 of them held out as the test split. Deterministic.

  /usr/bin/python3 examples/libreoffice-de-en/make_data.py [SHARED_DATA_DIR]
"""
import random
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"
seen = set()
pairs = []
if True:
    for name in ["libreoffice_ui_en_de.tsv", "libreoffice_help_en_de.tsv"]:
        with open(f"{src}/seq2seq/{name}", encoding="utf-8") as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                if len(fields) != 2:
                    continue
                en, de = fields[0].strip(), fields[1].strip()
                if not en or not de or len(en) > 60 or len(de) > 60 or de in seen:
                    continue
                seen.add(de)
                pairs.append((de, en))
test = set(random.Random(1).sample(range(len(pairs)), 1000))
for split, keep in [("train", False), ("test", True)]:
    with open(f"data/libreoffice-de-en-{split}.tsv", "w", encoding="utf-8") as out:
        for i, (de, en) in enumerate(pairs):
            if (i in test) == keep:
                out.write(f"{de}\t{en}\n")
print(f"libreoffice-de-en: {len(pairs) - len(test)} training pairs, {len(test)} test pairs")
