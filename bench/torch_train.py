#!/usr/bin/env python3
"""PyTorch peer for bench/train_speed.c: the same char-LM training step
(one-hot input -> nn.RNN/LSTM/GRU stack -> nn.Linear, mean cross-entropy,
Adam lr 2e-3, global-norm clip 5), the same data, batch and sequence length;
stateful (hidden state carried, detached), or, with --bidir, consecutive
windows from a zero state each step, as train_speed does. Prints the same
tab-separated lines: tok_s (median of the per-step rates after one warm-up
step) and the process's peak RSS in MB.

    /usr/bin/python3 bench/torch_train.py CELL HIDDEN LAYERS BATCH SEQ STEPS \
        [--bidir] [--threads N] [--text FILE]
"""
import argparse
import resource
import statistics
import time

import torch
import torch.nn as nn


def main():
    ap = argparse.ArgumentParser()
    for name in ("cell", "hidden", "layers", "batch", "seq", "steps"):
        ap.add_argument(name)
    ap.add_argument("--text", default="data/austen.txt")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bidir", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    H, L, B, T, steps = int(a.hidden), int(a.layers), int(a.batch), int(a.seq), int(a.steps)
    text = open(a.text, encoding="utf-8").read()
    vocab = sorted(set(text))
    idx = {c: i for i, c in enumerate(vocab)}
    V = len(vocab)
    data = torch.tensor([idx[c] for c in text], dtype=torch.long)
    stream = (len(data) - 1) // B
    kind = {"lstm": nn.LSTM, "gru": nn.GRU}.get(a.cell, nn.RNN)
    extra = {"nonlinearity": "relu" if a.cell == "rnn_relu" else "tanh"} if kind is nn.RNN else {}
    rnn = kind(V, H, num_layers=L, bidirectional=a.bidir, **extra)
    fc = nn.Linear(H * (2 if a.bidir else 1), V)
    params = list(rnn.parameters()) + list(fc.parameters())
    opt = torch.optim.Adam(params, lr=2e-3)
    eye = torch.eye(V)
    state = None
    rates, loss = [], None
    pos = 0
    for step in range(steps + 1):
        if a.bidir:  # consecutive windows, zero state each step
            starts = []
            for _ in range(B):
                if pos + T + 1 >= len(data):
                    pos = 0
                starts.append(pos)
                pos += T
            rows = torch.stack([data[s: s + T + 1] for s in starts], 1)
        else:
            k = step * T
            rows = torch.stack([data[b * stream + k: b * stream + k + T + 1] for b in range(B)], 1)
        t0 = time.perf_counter()
        x = eye[rows[:-1]]
        y, st = rnn(x, None if a.bidir else state)
        if not a.bidir:
            state = tuple(s.detach() for s in st) if isinstance(st, tuple) else st.detach()
        loss = nn.functional.cross_entropy(fc(y).reshape(-1, V), rows[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        if step:  # the first step warms up
            rates.append(B * T / (time.perf_counter() - t0))
    cfg = f"{a.cell} {'bidir ' if a.bidir else ''}{L}x{H}"
    impl = f"torch-{a.threads}t"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"train\t{cfg}\t{impl}\ttok_s\t{statistics.median(rates):.0f}")
    print(f"train\t{cfg}\t{impl}\trss_mb\t{rss:.1f}")
    print(f"train\t{cfg}\t{impl}\tloss\t{loss.item():.3f}")


if __name__ == "__main__":
    main()
