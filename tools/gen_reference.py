#!/usr/bin/python3
"""Generate PyTorch reference vectors for recur's parity tests.

Usage:
    /usr/bin/python3 tools/gen_reference.py --out tests/ref          # (re)generate
    /usr/bin/python3 tools/gen_reference.py --out tests/ref --check  # verify files

Every file is a hand-written safetensors file (no safetensors package):
8-byte little-endian uint64 header length N, N bytes of JSON header (padded
with spaces to a multiple of 8), then the raw little-endian tensor data.
Tensors are laid out contiguously: all 8-byte dtypes (F64, I64) first, then
F32, each group in insertion order, so every tensor is naturally aligned.

Conventions: time-major tensors (batch_first=False). Inputs and weights are
random values rounded to float32 and stored as F32; the reference is
computed in float64 from exactly those float32 values and expected outputs
and gradients are stored as F64.

Only torch, numpy, json, struct, os and argparse are used.
"""

import argparse
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

BASE_SEED = 20240611

# name: (cell, layers, bidirectional, T, B, I, H)
STACK_CASES = [
    ("rnn_tanh",       "rnn_tanh", 1, 0, 5, 3, 4, 6),
    ("rnn_relu_l2",    "rnn_relu", 2, 0, 7, 2, 5, 8),
    ("rnn_tanh_bi_l2", "rnn_tanh", 2, 1, 10, 2, 3, 5),
    ("lstm",           "lstm",     1, 0, 9, 3, 4, 7),
    ("lstm_l2_t50",    "lstm",     2, 0, 50, 4, 8, 16),
    ("lstm_bi_l2",     "lstm",     2, 1, 20, 3, 6, 9),
    ("gru",            "gru",      1, 0, 9, 3, 4, 7),
    ("gru_l2_t50",     "gru",      2, 0, 50, 4, 8, 16),
    ("gru_bi",         "gru",      1, 1, 13, 2, 5, 6),
    ("gru_bi_l2",      "gru",      2, 1, 12, 3, 4, 5),
]

# name: (cell, layers, bidirectional, T, B, V, E, H, input)
# H is not fixed by the spec; chosen to differ from T, B, V and E per case.
MODEL_CASES = [
    ("lstm_onehot_l2",  "lstm",     2, 0, 20, 3, 11, 0, 8, "onehot"),
    ("gru_embed_bi_l2", "gru",      2, 1, 15, 2, 13, 5, 6, "embedding"),
    ("rnn_relu_onehot", "rnn_relu", 1, 0, 8, 4, 9, 0, 6, "onehot"),
    ("rnn_tanh_embed",  "rnn_tanh", 1, 0, 25, 2, 7, 4, 6, "embedding"),
    ("lstm_embed_bi",   "lstm",     1, 1, 6, 3, 10, 3, 7, "embedding"),
]

GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}

DTYPES = {  # safetensors name -> (numpy little-endian dtype, itemsize)
    "F32": ("<f4", 4),
    "F64": ("<f8", 8),
    "I64": ("<i8", 8),
}


# --------------------------------------------------------------------------
# safetensors writer / reader (independent of the safetensors package)
# --------------------------------------------------------------------------

def _to_numpy(t, dtype):
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu().contiguous().numpy()
    return np.ascontiguousarray(np.asarray(t).astype(DTYPES[dtype][0]))


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, dtype, array/tensor) in insertion order."""
    arrays = [(n, d, _to_numpy(a, d)) for (n, d, a) in tensors]
    names = [n for (n, _, _) in arrays]
    assert len(set(names)) == len(names), "duplicate tensor names"
    # 8-byte dtypes first so that every tensor stays naturally aligned.
    ordered = ([x for x in arrays if DTYPES[x[1]][1] == 8] +
               [x for x in arrays if DTYPES[x[1]][1] != 8])
    header = {"__metadata__": {str(k): str(v) for k, v in metadata.items()}}
    blobs = []
    off = 0
    for name, dtype, arr in ordered:
        b = arr.tobytes(order="C")
        header[name] = {"dtype": dtype, "shape": [int(s) for s in arr.shape],
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Minimal independent reader; raises ValueError on any inconsistency.
    Returns (metadata, {name: (dtype, numpy array)})."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("file too short")
    (n,) = struct.unpack("<Q", raw[:8])
    if n % 8 != 0:
        raise ValueError("header length %d not a multiple of 8" % n)
    if 8 + n > len(raw):
        raise ValueError("header length exceeds file")
    htext = raw[8:8 + n].decode("utf-8")
    if htext.rstrip(" ") != htext.rstrip():
        raise ValueError("header padding is not spaces")
    header = json.loads(htext)
    meta = header.pop("__metadata__", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        raise ValueError("metadata must map strings to strings")
    data = raw[8 + n:]
    spans = []
    out = {}
    for name, info in header.items():
        if set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError("%s: unexpected keys %r" % (name, sorted(info)))
        dtype = info["dtype"]
        if dtype not in DTYPES:
            raise ValueError("%s: unsupported dtype %s" % (name, dtype))
        shape = info["shape"]
        b, e = info["data_offsets"]
        count = 1
        for s in shape:
            if not isinstance(s, int) or s < 0:
                raise ValueError("%s: bad shape %r" % (name, shape))
            count *= s
        if e - b != count * DTYPES[dtype][1]:
            raise ValueError("%s: size mismatch" % name)
        if b % DTYPES[dtype][1] != 0:
            raise ValueError("%s: misaligned" % name)
        spans.append((b, e, name))
        arr = np.frombuffer(data[b:e], dtype=DTYPES[dtype][0]).reshape(shape)
        out[name] = (dtype, arr)
    spans.sort()
    pos = 0
    for b, e, name in spans:
        if b != pos:
            raise ValueError("%s: data not contiguous (gap/overlap at %d)" % (name, pos))
        pos = e
    if pos != len(data):
        raise ValueError("data region has %d bytes, tensors cover %d" % (len(data), pos))
    return meta, out


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def case_seed(name):
    """Stable per-case seed (FNV-1a of the name; Python's hash() is salted)."""
    h = 0xcbf29ce484222325
    for ch in name.encode("utf-8"):
        h = ((h ^ ch) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return (BASE_SEED + h) % (2 ** 31)


def f32_uniform(shape, lo=-0.5, hi=0.5):
    return (torch.rand(shape, dtype=torch.float32) * (hi - lo) + lo).float()


def f32_normal(shape, scale=1.0):
    return (torch.randn(shape, dtype=torch.float32) * scale).float()


def make_rnn(cell, in_size, H, L, bi):
    kw = dict(num_layers=L, bidirectional=bool(bi), batch_first=False, bias=True)
    if cell == "rnn_tanh":
        m = nn.RNN(in_size, H, nonlinearity="tanh", **kw)
    elif cell == "rnn_relu":
        m = nn.RNN(in_size, H, nonlinearity="relu", **kw)
    elif cell == "lstm":
        m = nn.LSTM(in_size, H, **kw)
    elif cell == "gru":
        m = nn.GRU(in_size, H, **kw)
    else:
        raise ValueError(cell)
    return m.double()


def param_names(cell, L, bi):
    names = []
    for l in range(L):
        for sfx in ([""] + (["_reverse"] if bi else [])):
            for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                names.append("%s_l%d%s" % (p, l, sfx))
    return names


def load_params(module, values):
    """values: {param name: float32 tensor}; set module params to the doubles."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            v = values[name]
            assert tuple(v.shape) == tuple(p.shape), (name, v.shape, p.shape)
            p.copy_(v.double())


def draw_rnn_weights(module):
    """Draw U(-0.5,0.5) float32 weights in state_dict order."""
    return {name: f32_uniform(tuple(p.shape)) for name, p in module.named_parameters()}


def run_stack(cell, rnn, x, h0, c0):
    if cell == "lstm":
        y, (hn, cn) = rnn(x, (h0, c0))
        return y, hn, cn
    y, hn = rnn(x, h0)
    return y, hn, None


# --------------------------------------------------------------------------
# case generators
# --------------------------------------------------------------------------

def gen_stack(name, cell, L, bi, T, B, I, H):
    torch.manual_seed(case_seed("stack_" + name))
    D = 2 if bi else 1
    lstm = cell == "lstm"
    x32 = f32_normal((T, B, I))
    h032 = f32_normal((L * D, B, H), 0.5)
    c032 = f32_normal((L * D, B, H), 0.5) if lstm else None
    rnn = make_rnn(cell, I, H, L, bi)
    w32 = draw_rnn_weights(rnn)
    dy32 = f32_normal((T, B, D * H))
    dhn32 = f32_normal((L * D, B, H))
    dcn32 = f32_normal((L * D, B, H)) if lstm else None

    load_params(rnn, w32)
    x = x32.double().requires_grad_(True)
    h0 = h032.double().requires_grad_(True)
    c0 = c032.double().requires_grad_(True) if lstm else None
    y, hn, cn = run_stack(cell, rnn, x, h0, c0)
    loss = (y * dy32.double()).sum() + (hn * dhn32.double()).sum()
    if lstm:
        loss = loss + (cn * dcn32.double()).sum()
    loss.backward()

    meta = {"kind": "stack", "cell": cell, "layers": L, "bidirectional": bi,
            "T": T, "B": B, "I": I, "H": H}
    t = [("x", "F32", x32), ("h0", "F32", h032)]
    if lstm:
        t.append(("c0", "F32", c032))
    pnames = [n for n, _ in rnn.named_parameters()]
    assert pnames == param_names(cell, L, bi)
    for n in pnames:
        t.append(("rnn." + n, "F32", w32[n]))
    t += [("dy", "F32", dy32), ("dhn", "F32", dhn32)]
    if lstm:
        t.append(("dcn", "F32", dcn32))
    t += [("y", "F64", y), ("hn", "F64", hn)]
    if lstm:
        t.append(("cn", "F64", cn))
    t += [("grad.x", "F64", x.grad), ("grad.h0", "F64", h0.grad)]
    if lstm:
        t.append(("grad.c0", "F64", c0.grad))
    params = dict(rnn.named_parameters())
    for n in pnames:
        t.append(("grad.rnn." + n, "F64", params[n].grad))
    return meta, t


def model_forward(cell, L, bi, T, B, V, E, H, inp, tokens, targets, emb, rnn, fc):
    D = 2 if bi else 1
    if inp == "onehot":
        x = F.one_hot(tokens, V).double()
    else:
        x = emb(tokens)
    h0 = torch.zeros(L * D, B, H, dtype=torch.float64)
    c0 = torch.zeros(L * D, B, H, dtype=torch.float64) if cell == "lstm" else None
    y, _, _ = run_stack(cell, rnn, x, h0, c0)
    logits = fc(y)
    loss = F.cross_entropy(logits.reshape(T * B, V), targets.reshape(T * B),
                           reduction="mean")
    return logits, loss


def gen_model(name, cell, L, bi, T, B, V, E, H, inp):
    torch.manual_seed(case_seed("model_" + name))
    D = 2 if bi else 1
    tokens = torch.randint(0, V, (T, B), dtype=torch.int64)
    targets = torch.randint(0, V, (T, B), dtype=torch.int64)
    emb = None
    emb32 = None
    if inp == "embedding":
        emb = nn.Embedding(V, E).double()
        emb32 = f32_normal((V, E))
        in_size = E
    else:
        assert E == 0
        in_size = V
    rnn = make_rnn(cell, in_size, H, L, bi)
    w32 = draw_rnn_weights(rnn)
    fc = nn.Linear(D * H, V).double()
    fcw32 = f32_uniform((V, D * H))
    fcb32 = f32_uniform((V,))

    load_params(rnn, w32)
    with torch.no_grad():
        if emb is not None:
            emb.weight.copy_(emb32.double())
        fc.weight.copy_(fcw32.double())
        fc.bias.copy_(fcb32.double())
    logits, loss = model_forward(cell, L, bi, T, B, V, E, H, inp, tokens, targets,
                                 emb, rnn, fc)
    loss.backward()

    meta = {"kind": "model", "cell": cell, "layers": L, "bidirectional": bi,
            "T": T, "B": B, "V": V, "E": E, "H": H, "input": inp}
    t = [("tokens", "I64", tokens), ("targets", "I64", targets)]
    grads = []
    if emb is not None:
        t.append(("embedding.weight", "F32", emb32))
        grads.append(("grad.embedding.weight", emb.weight.grad))
    for n, p in rnn.named_parameters():
        t.append(("rnn." + n, "F32", w32[n]))
        grads.append(("grad.rnn." + n, p.grad))
    t += [("fc.weight", "F32", fcw32), ("fc.bias", "F32", fcb32)]
    grads += [("grad.fc.weight", fc.weight.grad), ("grad.fc.bias", fc.bias.grad)]
    t += [("logits", "F64", logits), ("loss", "F64", loss.detach().reshape(1))]
    t += [(n, "F64", g) for n, g in grads]
    return meta, t


# --------------------------------------------------------------------------
# check: parse every file back, validate header and recompute the reference
# --------------------------------------------------------------------------

def _expected_shapes(meta):
    cell = meta["cell"]
    G = GATES[cell]
    L = int(meta["layers"])
    bi = int(meta["bidirectional"])
    D = 2 if bi else 1
    T, B, H = int(meta["T"]), int(meta["B"]), int(meta["H"])
    lstm = cell == "lstm"
    s = {}
    if meta["kind"] == "stack":
        I = int(meta["I"])
        in0 = I
        s["x"] = ("F32", [T, B, I])
        s["h0"] = ("F32", [L * D, B, H])
        s["dy"] = ("F32", [T, B, D * H])
        s["dhn"] = ("F32", [L * D, B, H])
        s["y"] = ("F64", [T, B, D * H])
        s["hn"] = ("F64", [L * D, B, H])
        s["grad.x"] = ("F64", [T, B, I])
        s["grad.h0"] = ("F64", [L * D, B, H])
        if lstm:
            for k, dt in (("c0", "F32"), ("dcn", "F32"), ("cn", "F64"), ("grad.c0", "F64")):
                s[k] = (dt, [L * D, B, H])
    else:
        V, E = int(meta["V"]), int(meta["E"])
        in0 = V if meta["input"] == "onehot" else E
        s["tokens"] = ("I64", [T, B])
        s["targets"] = ("I64", [T, B])
        if meta["input"] == "embedding":
            s["embedding.weight"] = ("F32", [V, E])
            s["grad.embedding.weight"] = ("F64", [V, E])
        else:
            assert E == 0
        for k, shp in (("fc.weight", [V, D * H]), ("fc.bias", [V])):
            s[k] = ("F32", shp)
            s["grad." + k] = ("F64", shp)
        s["logits"] = ("F64", [T, B, V])
        s["loss"] = ("F64", [1])
    for l in range(L):
        insz = in0 if l == 0 else D * H
        for sfx in ([""] + (["_reverse"] if bi else [])):
            for p, shp in (("weight_ih", [G * H, insz]), ("weight_hh", [G * H, H]),
                           ("bias_ih", [G * H]), ("bias_hh", [G * H])):
                n = "rnn.%s_l%d%s" % (p, l, sfx)
                s[n] = ("F32", shp)
                s["grad." + n] = ("F64", shp)
    return s


STACK_META = ["kind", "cell", "layers", "bidirectional", "T", "B", "I", "H"]
MODEL_META = ["kind", "cell", "layers", "bidirectional", "T", "B", "V", "E", "H", "input"]


def check_file(path):
    meta, tensors = read_safetensors(path)
    keys = STACK_META if meta.get("kind") == "stack" else MODEL_META
    if sorted(meta) != sorted(keys):
        raise ValueError("metadata keys %r != %r" % (sorted(meta), sorted(keys)))
    exp = _expected_shapes(meta)
    if set(exp) != set(tensors):
        raise ValueError("tensor set mismatch: missing %r extra %r" % (
            sorted(set(exp) - set(tensors)), sorted(set(tensors) - set(exp))))
    for n, (dt, shp) in exp.items():
        got_dt, arr = tensors[n]
        if got_dt != dt or list(arr.shape) != shp:
            raise ValueError("%s: got %s %r, expected %s %r" % (n, got_dt, list(arr.shape), dt, shp))
        if dt != "I64" and not np.all(np.isfinite(arr)):
            raise ValueError("%s: non-finite values" % n)

    # Recompute the reference from the stored float32 inputs/weights.
    g = lambda n: torch.from_numpy(np.array(tensors[n][1]))
    cell = meta["cell"]
    L, bi = int(meta["layers"]), int(meta["bidirectional"])
    T, B, H = int(meta["T"]), int(meta["B"]), int(meta["H"])
    lstm = cell == "lstm"
    w = {n[len("rnn."):]: g(n) for n in tensors if n.startswith("rnn.")}
    maxdiff = 0.0
    if meta["kind"] == "stack":
        rnn = make_rnn(cell, int(meta["I"]), H, L, bi)
        load_params(rnn, w)
        x = g("x").double().requires_grad_(True)
        h0 = g("h0").double().requires_grad_(True)
        c0 = g("c0").double().requires_grad_(True) if lstm else None
        y, hn, cn = run_stack(cell, rnn, x, h0, c0)
        loss = (y * g("dy").double()).sum() + (hn * g("dhn").double()).sum()
        if lstm:
            loss = loss + (cn * g("dcn").double()).sum()
        loss.backward()
        got = {"y": y, "hn": hn, "grad.x": x.grad, "grad.h0": h0.grad}
        if lstm:
            got.update({"cn": cn, "grad.c0": c0.grad})
    else:
        V, E, inp = int(meta["V"]), int(meta["E"]), meta["input"]
        D = 2 if bi else 1
        emb = None
        if inp == "embedding":
            emb = nn.Embedding(V, E).double()
        rnn = make_rnn(cell, V if inp == "onehot" else E, H, L, bi)
        fc = nn.Linear(D * H, V).double()
        load_params(rnn, w)
        with torch.no_grad():
            if emb is not None:
                emb.weight.copy_(g("embedding.weight").double())
            fc.weight.copy_(g("fc.weight").double())
            fc.bias.copy_(g("fc.bias").double())
        tok, tgt = g("tokens"), g("targets")
        if int(tok.min()) < 0 or int(tok.max()) >= V or int(tgt.min()) < 0 or int(tgt.max()) >= V:
            raise ValueError("token ids out of range")
        logits, loss = model_forward(cell, L, bi, T, B, V, E, H, inp, tok, tgt, emb, rnn, fc)
        loss.backward()
        got = {"logits": logits, "loss": loss.reshape(1),
               "grad.fc.weight": fc.weight.grad, "grad.fc.bias": fc.bias.grad}
        if emb is not None:
            got["grad.embedding.weight"] = emb.weight.grad
    for n, p in rnn.named_parameters():
        got["grad.rnn." + n] = p.grad
    for n, v in got.items():
        ref = tensors[n][1]
        d = float(np.max(np.abs(v.detach().numpy() - ref))) if ref.size else 0.0
        scale = max(1.0, float(np.max(np.abs(ref))) if ref.size else 1.0)
        if d > 1e-12 * scale:
            raise ValueError("%s: recomputed value differs by %g" % (n, d))
        maxdiff = max(maxdiff, d)
    return meta, tensors, maxdiff


# --------------------------------------------------------------------------

README = """\
# PyTorch reference vectors

Parity-test vectors for recur, generated from PyTorch (torch {torch_version},
numpy {numpy_version}) by `tools/gen_reference.py`. Regenerate with

    /usr/bin/python3 tools/gen_reference.py --out tests/ref

and verify with `/usr/bin/python3 tools/gen_reference.py --out tests/ref --check`
(parses every file back with an independent reader, checks the header and the
tensor set/shapes against the metadata, and recomputes the reference). The
generator is deterministic (fixed per-case seeds); re-running it reproduces
the files byte for byte.

## Format

Plain safetensors: 8-byte little-endian uint64 header length, a JSON header
padded with spaces to a multiple of 8 (`__metadata__` holds string
parameters), then the raw little-endian data. Tensors are stored
contiguously with 8-byte dtypes (F64, I64) first and F32 last, so every
tensor is naturally aligned. All sequence tensors are time-major
(`[T, B, ...]`, batch_first=False).

Inputs and weights are random values rounded to float32 (stored `F32`); the
reference is computed in float64 from exactly those values, and expected
outputs and gradients are stored `F64`. RNN weights use PyTorch state_dict
names prefixed with `rnn.` (`rnn.weight_ih_l0`, `rnn.bias_hh_l1_reverse`, ...)
and are drawn U(-0.5, 0.5). Gradients are named `grad.<tensor>`.

## `stack_<name>.safetensors` (kind = stack)

Metadata: kind, cell (rnn_tanh|rnn_relu|lstm|gru), layers, bidirectional
(0/1), T, B, I, H. Inputs: `x` [T,B,I] ~ N(0,1), `h0` [L*D,B,H] ~ 0.5 N(0,1),
`c0` (lstm, same), weights, upstream gradients `dy` [T,B,D*H], `dhn`, `dcn`
(lstm) ~ N(0,1). Expected: `y`, `hn`, `cn` (lstm), and for
loss = sum(y*dy) + sum(hn*dhn) (+ sum(cn*dcn)): `grad.x`, `grad.h0`,
`grad.c0` (lstm), `grad.rnn.*`.

| name | cell | L | bi | T | B | I | H |
|---|---|---|---|---|---|---|---|
{stack_table}

## `model_<name>.safetensors` (kind = model)

tokens -> one-hot (`F.one_hot(tokens, V).double()`) or `embedding`
(N(0,1) weights) -> recurrent stack (h0 = c0 = 0) -> `fc` = nn.Linear(D*H, V)
at every step (U(-0.5,0.5) weights) -> cross-entropy, mean over all T*B
positions. Metadata: kind, cell, layers, bidirectional, T, B, V, E (0 for
one-hot), H, input (onehot|embedding). Tensors: `tokens`, `targets` [T,B]
I64, `embedding.weight` [V,E] (embedding only), `rnn.*` (for one-hot the
first layer's weight_ih is [G*H, V]), `fc.weight` [V,D*H], `fc.bias` [V];
expected `logits` [T,B,V], `loss` [1], `grad.<param>` for every parameter.

| name | cell | L | bi | T | B | V | E | H | input |
|---|---|---|---|---|---|---|---|---|---|
{model_table}
"""


def write_readme(out):
    st = "\n".join("| %s | %s | %d | %d | %d | %d | %d | %d |" % c for c in STACK_CASES)
    mt = "\n".join("| %s | %s | %d | %d | %d | %d | %d | %d | %d | %s |" % c for c in MODEL_CASES)
    text = README.format(torch_version=torch.__version__, numpy_version=np.__version__,
                         stack_table=st, model_table=mt)
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(text)


def all_files():
    return (["stack_%s.safetensors" % c[0] for c in STACK_CASES] +
            ["model_%s.safetensors" % c[0] for c in MODEL_CASES])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="tests/ref", help="output directory")
    ap.add_argument("--check", action="store_true",
                    help="only verify existing files (no regeneration)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    if args.check:
        ok = True
        total = 0
        for fn in all_files():
            path = os.path.join(args.out, fn)
            try:
                meta, tensors, d = check_file(path)
                size = os.path.getsize(path)
                total += size
                print("ok   %-36s %7d bytes  %2d tensors  max|diff| %.3g" % (fn, size, len(tensors), d))
            except Exception as e:  # report and continue
                ok = False
                print("FAIL %-36s %s" % (fn, e))
        print("total %d bytes" % total)
        raise SystemExit(0 if ok else 1)

    os.makedirs(args.out, exist_ok=True)
    for c in STACK_CASES:
        meta, t = gen_stack(*c)
        write_safetensors(os.path.join(args.out, "stack_%s.safetensors" % c[0]), t, meta)
    for c in MODEL_CASES:
        meta, t = gen_model(*c)
        write_safetensors(os.path.join(args.out, "model_%s.safetensors" % c[0]), t, meta)
    write_readme(args.out)
    for fn in all_files():
        print("%-36s %7d bytes" % (fn, os.path.getsize(os.path.join(args.out, fn))))


if __name__ == "__main__":
    main()
