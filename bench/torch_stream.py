#!/usr/bin/env python3
"""PyTorch peer for bench/stream_speed.c: nn.LSTM/nn.GRU(1, HIDDEN) +
nn.Linear(HIDDEN, 1), batch 1, under torch.no_grad(), over the same STEPS
samples, REPS times, two ways: the whole sequence in one module call, and a
Python loop of one-step calls carrying the state. Prints
"stream CONFIG IMPL s_per_48k SECONDS" lines (median, scaled to 48,000 steps).

    /usr/bin/python3 bench/torch_stream.py CELL HIDDEN STEPS REPS [--threads N]
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn as nn


def main():
    ap = argparse.ArgumentParser()
    for name in ("cell", "hidden", "steps", "reps"):
        ap.add_argument(name)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    H, T, reps = int(a.hidden), int(a.steps), int(a.reps)
    rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[a.cell](1, H)
    fc = nn.Linear(H, 1)
    x = torch.tensor([0.5 * math.sin(2 * math.pi * 440.0 * t / 48000.0) +
                      0.01 * ((t * 7919 % 1000) / 500.0 - 1) for t in range(T)],
                     dtype=torch.float32).reshape(T, 1, 1)
    step, seq = [], []
    with torch.no_grad():
        for _ in range(reps):
            t0 = time.perf_counter()
            state = None
            for t in range(T):
                y, state = rnn(x[t:t + 1], state)
                out = fc(y)
            step.append((time.perf_counter() - t0) * 48000.0 / T)
            last = out.item()
            t0 = time.perf_counter()
            y, _ = rnn(x)
            out = fc(y)
            seq.append((time.perf_counter() - t0) * 48000.0 / T)
            assert abs(out[-1].item() - last) < 1e-4
    cfg = f"{a.cell} h{H}"
    print(f"stream\t{cfg}\ttorch-step-{a.threads}t\ts_per_48k\t{statistics.median(step):.5f}")
    print(f"stream\t{cfg}\ttorch-seq-{a.threads}t\ts_per_48k\t{statistics.median(seq):.5f}")


if __name__ == "__main__":
    main()
