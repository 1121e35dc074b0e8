#!/usr/bin/python3
"""The whole-dictionary G2P split (examples/cmudict-g2p/run_full.sh):

  /usr/bin/python3 scripts/make_g2p_split.py [SHARED_DATA_DIR]

writes
  data/cmudict-g2p-test.tsv   the 2,000 words that `recur seq2seq train
                              data/cmudict-g2p.tsv --val 0.05 --seed 1` holds
                              out (the examples' held-out words), as there;
  data/cmudict-g2p-all.tsv    every other alphabetic CMUdict word (114,506),
                              first pronunciation, stress digits removed, as
                              scripts/make_seq2seq_data.py makes them.
The held-out words are read off recur itself (a one-step model decodes the
split with --show), so they are exactly the ones the examples score.
Needs build/recur (make). Deterministic."""
import os
import re
import subprocess
import sys
import tempfile

src = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"
recur = "build/recur"

pron = {}
with open(f"{src}/seq2seq/cmudict.txt", encoding="utf-8") as f:
    for line in f:
        if line.startswith(";;;"):
            continue
        parts = line.split()
        if len(parts) < 2 or not re.fullmatch(r"[A-Z]+", parts[0]):
            continue  # no alternates "(1)", no punctuation
        pron[parts[0]] = " ".join(re.sub(r"\d", "", p) for p in parts[1:])

with tempfile.TemporaryDirectory() as tmp:
    model = os.path.join(tmp, "split.safetensors")
    subprocess.run([recur, "seq2seq", "train", "data/cmudict-g2p.tsv", "--tgt-tokens", "words",
                    "--hidden", "4", "--embed", "4", "--steps", "1", "--val", "0.05",
                    "--seed", "1", "--eval-max", "0", "--quiet", "--save", model],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = subprocess.run([recur, "seq2seq", "eval", model, "data/cmudict-g2p.tsv", "--val", "0.05",
                          "--seed", "1", "--show", "2000", "--max-len", "1"],
                         check=True, capture_output=True, text=True)
held = sorted(line.split()[0] for line in (out.stdout + out.stderr).splitlines()
              if " -> " in line)
assert len(held) == 2000 and len(set(held)) == 2000, len(held)
with open("data/cmudict-g2p-test.tsv", "w", encoding="utf-8") as f:
    for w in held:
        f.write(f"{w}\t{pron[w]}\n")
test = set(held)
n = 0
with open("data/cmudict-g2p-all.tsv", "w", encoding="utf-8") as f:
    for w in sorted(pron):
        if w not in test:
            f.write(f"{w}\t{pron[w]}\n")
            n += 1
print(f"cmudict-g2p-test.tsv: {len(held)} words; cmudict-g2p-all.tsv: {n} words")
