#!/usr/bin/python3
"""Reference vectors for recur's seq2seq attention head (src/seq2seq/attention.c).

For each kind (dot, general, additive) a small padded batch: encoder outputs
e [Ts, B, M] (source b valid for src_len[b] steps), decoder top-layer states
h [Tt, B, M], the head's weights and labels [Tt, B] (-1 = not scored). The
equations, written independently in PyTorch (float64, autograd):

    score[t,b,s] = h·e | h·(W_a e) | v·tanh(W_q h + W_k e);  s >= src_len[b]: -inf
    a = softmax_s(score);  c = Σ_s a e;  ht = tanh(W_c [c; h]);  z = W_o ht + b_o
    loss = mean over scored rows of cross-entropy(z, label)

Stored (safetensors, via gen_reference.write_safetensors): inputs and weights
as F32 (random values rounded to float32), and the expected logits, attention
weights a [B, Tt, Ts], loss and the gradients of the loss w.r.t. e, h and
every weight as F64 ("grad.<name>").

    /usr/bin/python3 tools/gen_attention_reference.py --out tests/ref
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_reference import write_safetensors  # noqa: E402

KINDS = ("dot", "general", "additive")


def f32(rng, shape, scale=0.5):
    return torch.tensor(rng.uniform(-scale, scale, size=shape).astype(np.float32),
                        dtype=torch.float64, requires_grad=True)


def case(kind, seed, out):
    rng = np.random.default_rng(seed)
    Ts, Tt, B, M, V = 5, 4, 3, 6, 7
    src_len = [5, 2, 3]
    e = f32(rng, (Ts, B, M), 1.0)
    h = f32(rng, (Tt, B, M), 1.0)
    w = {}
    if kind == "general":
        w["attention.W_a"] = f32(rng, (M, M))
    if kind == "additive":
        w["attention.W_q"] = f32(rng, (M, M))
        w["attention.W_k"] = f32(rng, (M, M))
        w["attention.v"] = f32(rng, (M,))
    w["attention.W_c"] = f32(rng, (M, 2 * M))
    w["out.weight"] = f32(rng, (V, M))
    w["out.bias"] = f32(rng, (V,))
    labels = torch.tensor(rng.integers(0, V, size=(Tt, B)), dtype=torch.int64)
    labels[3, 1] = -1
    labels[2, 2] = -1
    labels[3, 2] = -1

    eb = e.permute(1, 0, 2)  # [B, Ts, M]
    hb = h.permute(1, 0, 2)  # [B, Tt, M]
    if kind == "dot":
        score = hb @ eb.transpose(1, 2)
    elif kind == "general":
        score = hb @ (eb @ w["attention.W_a"].T).transpose(1, 2)
    else:
        q = hb @ w["attention.W_q"].T  # [B, Tt, M]
        k = eb @ w["attention.W_k"].T  # [B, Ts, M]
        score = torch.tanh(q[:, :, None, :] + k[:, None, :, :]) @ w["attention.v"]
    mask = torch.zeros(B, 1, Ts, dtype=torch.bool)
    for b in range(B):
        mask[b, 0, src_len[b]:] = True
    a = torch.softmax(score.masked_fill(mask, float("-inf")), dim=2)  # [B, Tt, Ts]
    a.retain_grad()
    c = a @ eb  # [B, Tt, M]
    ht = torch.tanh(torch.cat([c, hb], dim=2) @ w["attention.W_c"].T)
    z = (ht @ w["out.weight"].T + w["out.bias"]).permute(1, 0, 2)  # [Tt, B, V]
    loss = torch.nn.functional.cross_entropy(z.reshape(-1, V), labels.reshape(-1),
                                             ignore_index=-1)
    loss.backward()
    tensors = [("e", "F32", e), ("h", "F32", h),
               ("src_len", "I64", torch.tensor(src_len)), ("labels", "I64", labels)]
    tensors += [(n, "F32", t) for n, t in w.items()]
    tensors += [("logits", "F64", z), ("weights", "F64", a), ("loss", "F64", loss.reshape(1)),
                ("grad.e", "F64", e.grad), ("grad.h", "F64", h.grad)]
    tensors += [("grad." + n, "F64", t.grad) for n, t in w.items()]
    meta = {"kind": kind, "Ts": Ts, "Tt": Tt, "B": B, "M": M, "V": V,
            "generator": "tools/gen_attention_reference.py", "torch": torch.__version__}
    path = os.path.join(out, "attention_%s.safetensors" % kind)
    write_safetensors(path, tensors, meta)
    print("%s: loss %.6f, %d bytes" % (path, loss.item(), os.path.getsize(path)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="tests/ref")
    args = ap.parse_args()
    for i, kind in enumerate(KINDS):
        case(kind, 1300 + i, args.out)


if __name__ == "__main__":
    main()
