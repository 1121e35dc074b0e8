#!/usr/bin/python3
"""The PyTorch peer of `recur seq2seq train`: the same encoder-decoder (an
embedding, a bidirectional LSTM encoder whose final states, both directions
concatenated, start an LSTM decoder; Luong "general" attention with
h~ = tanh(W_c [c; h]) feeding the output layer, or none; dropout on each
LSTM's outputs), the same subword units (the byte-pair tables read from a
recur model's metadata, applied by the same rules as src/data/bpe.c), Adam
with the same learning rate and gradient-norm clip, batches of the same size
drawn in a shuffled order, for the same wall-clock time and threads. Writes
the greedy translations of --test, one line per pair, for
`recur seq2seq eval MODEL TEST --hypotheses FILE` to score with recur's
own metrics.

  /usr/bin/python3 tools/seq2seq_torch.py --subwords MODEL.safetensors \\
      --train TRAIN.tsv --test TEST.tsv --time-limit 420 --threads 2 \\
      --attention general --hypotheses out.txt
"""
import argparse
import json
import os
import random
import struct
import sys
import time

# On a shared machine (more runnable threads than cores) OpenMP's default
# spin-waiting made a 2-thread training step 20-30 times slower (measured:
# 1.3-2.3 s of CPU a step against 0.07 s passive), which is no fair peer.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402 (after the OpenMP setting)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

BYTES = 256
MAX_PIECE = 32


# ---- subwords: src/data/bpe.c's rules ------------------------------------------

def byte_class(c):
    if c in b" \t\n\r\v\f":
        return 0
    if c >= 0x80 or 48 <= c <= 57 or 97 <= (c | 32) <= 122:
        return 1
    return 2


def pieces(s):
    i, n = 0, len(s)
    while i < n:
        j = 0
        if n - i >= 2 and s[i] == 32 and byte_class(s[i + 1]) != 0:
            j = 1
        c = byte_class(s[i + j])
        j += 1
        while i + j < n and j < MAX_PIECE and byte_class(s[i + j]) == c:
            j += 1
        yield s[i:i + j]
        i += j


class Subwords:
    def __init__(self, text):
        f = text.split(" ")
        if f[0] != "recur-bpe-1":
            sys.exit("not a recur subword table")
        m = int(f[1])
        nums = list(map(int, f[2:]))
        self.rank = {}
        self.tok = [bytes([i]) for i in range(BYTES)]
        for k in range(m):
            a, b = nums[2 * k], nums[2 * k + 1]
            self.rank[(a, b)] = k
            self.tok.append(self.tok[a] + self.tok[b])
        self.cache = {}

    def encode(self, text):
        out = []
        for p in pieces(text.encode("utf-8")):
            if p not in self.cache:
                w = list(p)
                while len(w) > 1:
                    best, at = None, -1
                    for i in range(len(w) - 1):
                        r = self.rank.get((w[i], w[i + 1]))
                        if r is not None and (best is None or r < best):
                            best, at = r, i
                    if best is None:
                        break
                    x, y, o, i = w[at], w[at + 1], [], 0
                    while i < len(w):
                        if i + 1 < len(w) and w[i] == x and w[i + 1] == y:
                            o.append(BYTES + best)
                            i += 2
                        else:
                            o.append(w[i])
                            i += 1
                    w = o
                self.cache[p] = w
            out += self.cache[p]
        return out

    def decode(self, ids):
        return b"".join(self.tok[i] for i in ids).decode("utf-8", errors="replace")


def safetensors_metadata(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n))["__metadata__"]


# ---- the model ----------------------------------------------------------------------

BOS, EOS = 0, 1          # target ids: <s>, </s>, <unk>, then the subwords
SRC_SPECIAL, TGT_SPECIAL = 1, 3


class Seq2Seq(nn.Module):
    def __init__(self, vs, vt, embed, hidden, bidirectional, attention, dropout):
        super().__init__()
        D = 2 if bidirectional else 1
        M = hidden * D
        self.src_embed = nn.Embedding(vs, embed)
        self.tgt_embed = nn.Embedding(vt, embed)
        self.encoder = nn.LSTM(embed, hidden, bidirectional=bidirectional)
        self.decoder = nn.LSTM(embed, M)
        self.attention = attention
        if attention == "general":
            self.w_a = nn.Linear(M, M, bias=False)
            self.w_c = nn.Linear(2 * M, M, bias=False)
        self.out = nn.Linear(M, vt)
        self.drop = nn.Dropout(dropout)
        self.D = D

    def encode(self, src, src_len):
        e = self.src_embed(src)
        packed = nn.utils.rnn.pack_padded_sequence(e, src_len, enforce_sorted=False)
        mem, (h, c) = self.encoder(packed)
        mem, _ = nn.utils.rnn.pad_packed_sequence(mem)
        # [D][B][H] -> [1][B][D*H]: both directions' final states side by side
        h = torch.cat(list(h), dim=-1).unsqueeze(0)
        c = torch.cat(list(c), dim=-1).unsqueeze(0)
        return self.drop(mem), (h, c)

    def step_logits(self, top, mem, mask):
        """top [T][B][M], mem [S][B][M], mask [B][S] (True = a valid step)."""
        top = self.drop(top)
        if self.attention != "general":
            return self.out(top)
        keys = self.w_a(mem)
        scores = torch.einsum("tbm,sbm->bts", top, keys)
        scores = scores.masked_fill(~mask.unsqueeze(1), float("-inf"))
        a = torch.softmax(scores, dim=-1)
        ctx = torch.einsum("bts,sbm->tbm", a, mem)
        ht = torch.tanh(self.w_c(torch.cat([ctx, top], dim=-1)))
        return self.out(ht)

    def forward(self, src, src_len, dec_in, dec_len):
        mem, state = self.encode(src, src_len)
        mask = torch.arange(src.shape[0]).unsqueeze(0) < src_len.unsqueeze(1)
        d = self.tgt_embed(dec_in)
        packed = nn.utils.rnn.pack_padded_sequence(d, dec_len, enforce_sorted=False)
        top, _ = self.decoder(packed, state)
        top, _ = nn.utils.rnn.pad_packed_sequence(top, total_length=dec_in.shape[0])
        return self.step_logits(top, mem, mask)

    @torch.no_grad()
    def greedy(self, src, src_len, max_len):
        mem, state = self.encode(src, src_len)
        B = src.shape[1]
        mask = torch.arange(src.shape[0]).unsqueeze(0) < src_len.unsqueeze(1)
        tok = torch.full((1, B), BOS, dtype=torch.long)
        out, done = [], torch.zeros(B, dtype=torch.bool)
        for _ in range(max_len):
            top, state = self.decoder(self.tgt_embed(tok), state)
            tok = self.step_logits(top, mem, mask).argmax(-1)
            out.append(tok[0])
            done |= tok[0] == EOS
            if done.all():
                break
        return torch.stack(out, dim=1).tolist()


# ---- data ------------------------------------------------------------------------------

def read_pairs(path):
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if line:
                s, _, t = line.partition("\t")
                pairs.append((s, t))
    return pairs


def batch_of(examples, with_target=True):
    S = max(len(s) for s, _ in examples)
    B = len(examples)
    src = torch.zeros(S, B, dtype=torch.long)
    src_len = torch.tensor([len(s) for s, _ in examples])
    for b, (s, _) in enumerate(examples):
        src[:len(s), b] = torch.tensor(s)
    if not with_target:
        return src, src_len
    T = max(len(t) for _, t in examples) + 1
    dec_in = torch.zeros(T, B, dtype=torch.long)
    labels = torch.full((T, B), -1, dtype=torch.long)
    dec_len = torch.tensor([len(t) + 1 for _, t in examples])
    for b, (_, t) in enumerate(examples):
        dec_in[:len(t) + 1, b] = torch.tensor([BOS] + t)
        labels[:len(t) + 1, b] = torch.tensor(t + [EOS])
    return src, src_len, dec_in, dec_len, labels


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--subwords", required=True, help="a recur subword model (its tables)")
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--hypotheses", required=True, help="write the test translations here")
    ap.add_argument("--attention", default="general", choices=["none", "general"])
    ap.add_argument("--bidirectional", action="store_true")
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--embed", type=int, default=128)
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--clip", type=float, default=5.0)
    ap.add_argument("--time-limit", type=float, required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    meta = safetensors_metadata(a.subwords)
    sw_src, sw_tgt = Subwords(meta["data.src_bpe"]), Subwords(meta["data.tgt_bpe"])
    train = [([SRC_SPECIAL + i for i in sw_src.encode(s)],
              [TGT_SPECIAL + i for i in sw_tgt.encode(t)]) for s, t in read_pairs(a.train)]
    test = read_pairs(a.test)
    vs, vt = SRC_SPECIAL + len(sw_src.tok), TGT_SPECIAL + len(sw_tgt.tok)
    model = Seq2Seq(vs, vt, a.embed, a.hidden, a.bidirectional, a.attention, a.dropout)
    nparams = sum(p.numel() for p in model.parameters())
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads: {nparams:,} "
          f"parameters; {len(train)} training pairs, vocabularies {vs} / {vt}; "
          f"{a.time_limit:g} s of training", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    rng = random.Random(a.seed)
    order, at, step, epoch = list(range(len(train))), len(train), 0, 0
    t0 = time.monotonic()
    loss_sum, tok_sum = 0.0, 0
    model.train()
    while time.monotonic() - t0 < a.time_limit:
        if at + a.batch > len(order):
            rng.shuffle(order)
            at, epoch = 0, epoch + 1
        src, src_len, dec_in, dec_len, labels = batch_of([train[i] for i in order[at:at + a.batch]])
        at += a.batch
        logits = model(src, src_len, dec_in, dec_len)
        loss = F.cross_entropy(logits.reshape(-1, vt), labels.reshape(-1), ignore_index=-1)
        opt.zero_grad()
        loss.backward()
        if a.clip > 0:
            nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        step += 1
        n = int((labels >= 0).sum())
        loss_sum += float(loss) * n
        tok_sum += n
        if step % 200 == 0:
            print(f"step {step} epoch {epoch} loss {loss_sum / tok_sum:.4f} "
                  f"elapsed {time.monotonic() - t0:.0f} s", flush=True)
            loss_sum, tok_sum = 0.0, 0
    el = time.monotonic() - t0
    print(f"Stopped at the time limit at step {step} ({step * a.batch / len(train):.2f} "
          f"epochs) in {el:.0f} s", flush=True)
    model.eval()
    longest = max(len(t) for _, t in train)
    t1 = time.monotonic()
    with open(a.hypotheses, "w", encoding="utf-8") as out:
        for k in range(0, len(test), 64):
            chunk = test[k:k + 64]
            enc = [([SRC_SPECIAL + i for i in sw_src.encode(s)], None) for s, _ in chunk]
            src, src_len = batch_of(enc, with_target=False)
            for ids in model.greedy(src, src_len, 2 * longest + 5):
                if EOS in ids:
                    ids = ids[:ids.index(EOS)]
                words = [i - TGT_SPECIAL for i in ids if i >= TGT_SPECIAL]
                text = sw_tgt.decode(words).replace("\n", " ")
                out.write(text + "\n")
    print(f"Decoded {len(test)} test pairs greedily in {time.monotonic() - t1:.1f} s "
          f"into {a.hypotheses}", flush=True)


if __name__ == "__main__":
    main()
