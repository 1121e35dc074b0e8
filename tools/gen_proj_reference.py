#!/usr/bin/python3
"""Generate PyTorch reference vectors for LSTMs with projections (proj_size).

Usage:
    /usr/bin/python3 tools/gen_proj_reference.py --out tests/ref/proj          # (re)generate
    /usr/bin/python3 tools/gen_proj_reference.py --out tests/ref/proj --check  # verify files

The files and conventions are those of tools/gen_reference.py (whose
safetensors writer, seeds and draws this reuses): float32 inputs and weights,
a float64 reference computed from exactly those values, gradients named
grad.<tensor>, time-major tensors. What differs is nn.LSTM(..., proj_size=P):
h0/hn/dhn are [L*D, B, P], c0/cn/dcn [L*D, B, H], y/dy [T, B, D*P],
weight_hh_l{k} is [4H, P] and weight_hr_l{k}[_reverse] [P, H]. Metadata adds
P. tests/test_parity.c reads them (stack_* and model_* cases alike).

--check regenerates every case in memory and compares it with the stored
file byte for byte (the generator is deterministic: fixed per-case seeds,
one thread, deterministic algorithms).
"""

import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_reference import (case_seed, f32_normal, f32_uniform,  # noqa: E402
                           write_safetensors)

# name: (layers, bidirectional, T, B, I, H, P)
STACK_CASES = [
    ("lstm_proj",       1, 0, 7, 3, 4, 6, 3),
    ("lstm_proj_l2",    2, 0, 12, 2, 5, 7, 4),
    ("lstm_proj_bi",    1, 1, 8, 3, 4, 6, 2),
    ("lstm_proj_bi_l2", 2, 1, 9, 2, 3, 8, 5),
]

# name: (layers, bidirectional, T, B, V, E, H, P): tokens -> embedding ->
# LSTM with projection -> Linear(D*P, V) -> mean cross-entropy.
MODEL_CASES = [
    ("lstm_proj_embed_l2", 2, 0, 10, 3, 9, 4, 7, 3),
    ("lstm_proj_embed_bi", 1, 1, 6, 2, 8, 5, 6, 4),
]


def make_lstm(I, H, P, L, bi):
    return nn.LSTM(I, H, num_layers=L, bidirectional=bool(bi), batch_first=False,
                   bias=True, proj_size=P).double()


def draw_and_load(module):
    """U(-0.5, 0.5) float32 weights in state_dict order, loaded as doubles."""
    w32 = {n: f32_uniform(tuple(p.shape)) for n, p in module.named_parameters()}
    with torch.no_grad():
        for n, p in module.named_parameters():
            p.copy_(w32[n].double())
    return w32


def gen_stack(name, L, bi, T, B, I, H, P):
    torch.manual_seed(case_seed("proj_stack_" + name))
    D = 2 if bi else 1
    x32 = f32_normal((T, B, I))
    h032 = f32_normal((L * D, B, P), 0.5)
    c032 = f32_normal((L * D, B, H), 0.5)
    rnn = make_lstm(I, H, P, L, bi)
    w32 = draw_and_load(rnn)
    dy32 = f32_normal((T, B, D * P))
    dhn32 = f32_normal((L * D, B, P))
    dcn32 = f32_normal((L * D, B, H))

    x = x32.double().requires_grad_(True)
    h0 = h032.double().requires_grad_(True)
    c0 = c032.double().requires_grad_(True)
    y, (hn, cn) = rnn(x, (h0, c0))
    loss = ((y * dy32.double()).sum() + (hn * dhn32.double()).sum() +
            (cn * dcn32.double()).sum())
    loss.backward()

    meta = {"kind": "stack", "cell": "lstm", "layers": L, "bidirectional": bi,
            "T": T, "B": B, "I": I, "H": H, "P": P}
    t = [("x", "F32", x32), ("h0", "F32", h032), ("c0", "F32", c032)]
    for n, _ in rnn.named_parameters():
        t.append(("rnn." + n, "F32", w32[n]))
    t += [("dy", "F32", dy32), ("dhn", "F32", dhn32), ("dcn", "F32", dcn32)]
    t += [("y", "F64", y), ("hn", "F64", hn), ("cn", "F64", cn)]
    t += [("grad.x", "F64", x.grad), ("grad.h0", "F64", h0.grad),
          ("grad.c0", "F64", c0.grad)]
    for n, p in rnn.named_parameters():
        t.append(("grad.rnn." + n, "F64", p.grad))
    return meta, t


def gen_model(name, L, bi, T, B, V, E, H, P):
    torch.manual_seed(case_seed("proj_model_" + name))
    D = 2 if bi else 1
    tokens = torch.randint(0, V, (T, B), dtype=torch.int64)
    targets = torch.randint(0, V, (T, B), dtype=torch.int64)
    emb = nn.Embedding(V, E).double()
    emb32 = f32_normal((V, E))
    rnn = make_lstm(E, H, P, L, bi)
    w32 = draw_and_load(rnn)
    fc = nn.Linear(D * P, V).double()
    fcw32 = f32_uniform((V, D * P))
    fcb32 = f32_uniform((V,))
    with torch.no_grad():
        emb.weight.copy_(emb32.double())
        fc.weight.copy_(fcw32.double())
        fc.bias.copy_(fcb32.double())
    y, _ = rnn(emb(tokens))
    logits = fc(y)
    loss = F.cross_entropy(logits.reshape(T * B, V), targets.reshape(T * B),
                           reduction="mean")
    loss.backward()

    meta = {"kind": "model", "cell": "lstm", "layers": L, "bidirectional": bi,
            "T": T, "B": B, "V": V, "E": E, "H": H, "P": P, "input": "embedding"}
    t = [("tokens", "I64", tokens), ("targets", "I64", targets),
         ("embedding.weight", "F32", emb32)]
    grads = [("grad.embedding.weight", emb.weight.grad)]
    for n, p in rnn.named_parameters():
        t.append(("rnn." + n, "F32", w32[n]))
        grads.append(("grad.rnn." + n, p.grad))
    t += [("fc.weight", "F32", fcw32), ("fc.bias", "F32", fcb32)]
    grads += [("grad.fc.weight", fc.weight.grad), ("grad.fc.bias", fc.bias.grad)]
    t += [("logits", "F64", logits), ("loss", "F64", loss.detach().reshape(1))]
    t += [(n, "F64", g) for n, g in grads]
    return meta, t


def cases():
    for c in STACK_CASES:
        yield "stack_%s.safetensors" % c[0], gen_stack, c
    for c in MODEL_CASES:
        yield "model_%s.safetensors" % c[0], gen_model, c


README = """\
# PyTorch reference vectors: LSTM with projections

Generated from PyTorch (torch {torch_version}) by
`tools/gen_proj_reference.py` (regenerate with
`/usr/bin/python3 tools/gen_proj_reference.py --out tests/ref/proj`, verify
byte for byte with `--check`); read by `tests/test_parity.c`. The format is
that of `tests/ref/README.md`, for `nn.LSTM(..., proj_size=P)`: `h0`, `hn`,
`dhn` are [L*D, B, P], `c0`, `cn`, `dcn` [L*D, B, H], `y`, `dy`
[T, B, D*P], `rnn.weight_hh_l*` [4H, P], `rnn.weight_hr_l*` [P, H];
metadata adds `P`. Model cases: tokens -> Embedding(V, E) -> LSTM ->
Linear(D*P, V) -> mean cross-entropy.

| file | L | bi | T | B | I or V,E | H | P |
|---|---|---|---|---|---|---|---|
{table}
"""


def write_readme(out):
    rows = ["| stack_%s | %d | %d | %d | %d | %d | %d | %d |" % c for c in STACK_CASES]
    rows += ["| model_%s | %d | %d | %d | %d | %d,%d | %d | %d |" % c for c in MODEL_CASES]
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(README.format(torch_version=torch.__version__, table="\n".join(rows)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="tests/ref/proj", help="output directory")
    ap.add_argument("--check", action="store_true",
                    help="regenerate in memory and compare with the stored files")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    ok = True
    for fn, gen, c in cases():
        path = os.path.join(args.out, fn)
        meta, t = gen(*c)
        if not args.check:
            write_safetensors(path, t, meta)
            print("%-36s %7d bytes" % (fn, os.path.getsize(path)))
            continue
        tmp = path + ".check"
        write_safetensors(tmp, t, meta)
        with open(tmp, "rb") as a, open(path, "rb") as b:
            same = a.read() == b.read()
        os.remove(tmp)
        ok = ok and same
        print("%s %s" % ("ok  " if same else "FAIL", fn))
    if not args.check:
        write_readme(args.out)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
