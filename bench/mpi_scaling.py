#!/usr/bin/env python3
"""mpi_scaling.py - expected data-parallel scaling of recur's training from
measured numbers (bench/mpi_speed.sh on this machine), for 8, 64 and 256
nodes, with a ring allreduce that is not overlapped with backward:

  t_step(N) = t_compute(b) + 2(N-1)*alpha + 2(N-1)/N * S / beta

S = 4 bytes per parameter, alpha the per-message latency, beta the link
bandwidth; b the rows of the batch on each node. Weak scaling keeps b = 64
per node (the global batch grows to 64N); strong scaling keeps the global
batch at 64 (b = 64/N rows, impossible past N = 64), with t_compute
proportional to b (optimistic: small batches use the cores worse).

  bench/mpi_scaling.py NAME:PARAMS:TOKS_PER_S ...
"""
import sys

NETS = [("10 GbE, MPI over TCP", 25e-6, 1.25e9), ("100 Gb/s InfiniBand", 2e-6, 12e9)]
T, B = 100, 64


def step(params, toks, n, rows, alpha, beta):
    comp = rows * T / toks
    comm = 2 * (n - 1) * alpha + 2 * (n - 1) / n * 4 * params / beta if n > 1 else 0
    return comp, comm


def main():
    models = []
    for a in sys.argv[1:]:
        name, p, t = a.split(":")
        models.append((name, float(p), float(t)))
    for net, alpha, beta in NETS:
        print(f"\n{net}: latency {alpha * 1e6:g} us, {beta / 1e9:g} GB/s per link\n")
        print("| model | params | 1 node tok/s | weak 8 | weak 64 | weak 256 | strong 8 (B=64) | strong 64 |")
        print("|---|---|---|---|---|---|---|---|")
        for name, p, toks in models:
            row = [name, f"{p / 1e6:.2f} M", f"{toks:,.0f}"]
            for n in (8, 64, 256):
                c, m = step(p, toks, n, B, alpha, beta)
                row.append(f"{n * c / (c + m):.1f}x ({100 * m / (c + m):.0f}% comm)")
            for n in (8, 64):
                c, m = step(p, toks, n, B / n, alpha, beta)
                row.append(f"{(B * T / toks) / (c + m):.1f}x ({100 * m / (c + m):.0f}% comm)")
            print("| " + " | ".join(row) + " |")


main()
