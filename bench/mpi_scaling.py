#!/usr/bin/env python3
"""mpi_scaling.py - expected data-parallel scaling of recur's training from
measured numbers (bench/mpi_speed.sh on this machine), for 8, 64 and 256
nodes, with a ring allreduce:

  t_step(N) = t_compute(b) + 2(N-1)*alpha + 2(N-1)/N * S / beta

S = 4 bytes per parameter, alpha the per-message latency, beta the link
bandwidth; b the rows of the batch on each node. Weak scaling keeps b = 64
per node (the global batch grows to 64N); strong scaling keeps the global
batch at 64 (b = 64/N rows, impossible past N = 64), with t_compute
proportional to b (optimistic: small batches use the cores worse).

Overlap (recur_trainer_set_overlap): backward hands over a layer's
gradients only when the layer's whole backward through time is done (every
step adds to the same weights), so the buckets are the dense layer and the
recurrent layers top down, and the bottom layer's bucket is ready only when
backward ends: its share of the sum can never hide. The rest can hide
behind the bottom layer's backward, taken as backward (2/3 of a step) over
the layers:

  hidden = min(comm * (1 - bottom / params), 2/3 * t_compute / layers)

  bench/mpi_scaling.py NAME:CELL:LAYERS:HIDDEN:TOKS_PER_S ...   (vocabulary 81)
"""
import sys

NETS = [("10 GbE, MPI over TCP", 25e-6, 1.25e9), ("100 Gb/s InfiniBand", 2e-6, 12e9)]
T, B, V = 100, 64, 81
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1}


def layer_params(cell, inputs, hidden):
    g = GATES[cell] * hidden
    return g * (inputs + hidden) + 2 * g


def step(params, toks, n, rows, alpha, beta):
    comp = rows * T / toks
    comm = 2 * (n - 1) * alpha + 2 * (n - 1) / n * 4 * params / beta if n > 1 else 0
    return comp, comm


def hidden_by_overlap(comp, comm, layers, bottom_share):
    return min(comm * (1 - bottom_share), 2 / 3 * comp / layers)


def main():
    models = []
    for a in sys.argv[1:]:
        name, cell, layers, hidden, toks = a.split(":")
        layers, hidden = int(layers), int(hidden)
        bottom = layer_params(cell, V, hidden)
        params = bottom + (layers - 1) * layer_params(cell, hidden, hidden) + hidden * V + V
        models.append((name, params, float(toks), layers, bottom / params))
    for net, alpha, beta in NETS:
        print(f"\n{net}: latency {alpha * 1e6:g} us, {beta / 1e9:g} GB/s per link\n")
        print("| model | params | 1 node tok/s | weak 8 | weak 64 | weak 256 | strong 8 (B=64) "
              "| strong 64 | strong 64, overlapped |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, p, toks, layers, bottom in models:
            row = [name, f"{p / 1e6:.2f} M", f"{toks:,.0f}"]
            for n in (8, 64, 256):
                c, m = step(p, toks, n, B, alpha, beta)
                row.append(f"{n * c / (c + m):.1f}x ({100 * m / (c + m):.0f}% comm)")
            for n in (8, 64):
                c, m = step(p, toks, n, B / n, alpha, beta)
                row.append(f"{(B * T / toks) / (c + m):.1f}x ({100 * m / (c + m):.0f}% comm)")
            m -= hidden_by_overlap(c, m, layers, bottom)
            row.append(f"{(B * T / toks) / (c + m):.1f}x ({100 * m / (c + m):.0f}% comm)")
            print("| " + " | ".join(row) + " |")


main()
