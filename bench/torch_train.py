#!/usr/bin/env python3
"""PyTorch peer for bench/train_speed.c: the same char-LM training step
(one-hot input -> nn.RNN/LSTM/GRU stack -> nn.Linear, mean cross-entropy,
Adam, global-norm clip 5), the same data, batch and sequence length,
stateful (hidden state carried, detached). Prints tokens/s like train_speed.

    /usr/bin/python3 bench/torch_train.py CELL HIDDEN LAYERS BATCH SEQ STEPS [TEXT] [--threads N]
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn


def main():
    ap = argparse.ArgumentParser()
    for name in ("cell", "hidden", "layers", "batch", "seq", "steps"):
        ap.add_argument(name)
    ap.add_argument("text", nargs="?", default="data/austen.txt")
    ap.add_argument("--threads", type=int, default=2)
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
    rnn = kind(V, H, num_layers=L, **extra)
    fc = nn.Linear(H, V)
    params = list(rnn.parameters()) + list(fc.parameters())
    opt = torch.optim.Adam(params, lr=2e-3)
    eye = torch.eye(V)
    state = None
    rates, loss = [], None
    for step in range(steps + 1):
        k = step * T
        rows = torch.stack([data[b * stream + k: b * stream + k + T + 1] for b in range(B)], 1)
        t0 = time.perf_counter()
        x = eye[rows[:-1]]
        y, state = rnn(x, state)
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        loss = nn.functional.cross_entropy(fc(y).reshape(-1, V), rows[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        if step:  # the first step warms up
            rates.append(B * T / (time.perf_counter() - t0))
    print(f"torch {a.cell} {L}x{H} B={B} T={T}: median {statistics.median(rates):.0f} tok/s, "
          f"loss {loss.item():.3f}")


if __name__ == "__main__":
    main()
