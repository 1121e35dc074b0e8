#!/usr/bin/python3
"""The cases of tests/torch_export_test.sh (run it, not this file).

Builds random, untrained PyTorch models of every kind recur runs, exports
them with tools/export_pytorch.py, runs recur on the same inputs
(build/tests/tool_forward: recur_forward, and recur_state_step for unidirectional
models) and compares with PyTorch's outputs, computed in float64 from the
same float32 weights: |recur - torch| <= 1e-5 * max(1, |torch|).

    /usr/bin/python3 tests/torch_export_cases.py BUILD_DIR
"""

import os
import subprocess
import sys
import tempfile

import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import export_pytorch as ex  # noqa: E402

TOL = 1e-5
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
TOOL = os.path.join(BUILD, "tests", "tool_forward")
RECUR = os.path.join(BUILD, "recur")
TMP = tempfile.mkdtemp(prefix="recur_torch_export.")
passed = failed = 0
worst_seen = 0.0


def ok(name):
    global passed
    passed += 1
    print("ok   - %s" % name)


def bad(name, why):
    global failed
    failed += 1
    print("FAIL - %s (%s)" % (name, why))


class Net(nn.Module):
    """[embedding ->] recurrent -> linear, with caller-chosen submodule names."""

    def __init__(self, names, emb, rnn, fc):
        super().__init__()
        self.names = names
        if emb is not None:
            setattr(self, names[0], emb)
        setattr(self, names[1], rnn)
        setattr(self, names[2], fc)

    def forward(self, x):
        if hasattr(self, self.names[0]):
            x = getattr(self, self.names[0])(x)
        y, _ = getattr(self, self.names[1])(x)
        return getattr(self, self.names[2])(y)


def build(cell, layers, bi, inp, batch_first, names, V=11, E=5, I=4, H=6, O=3,
          bias=True, seed=0, proj=0):
    torch.manual_seed(seed)
    in_size = E if inp == "embedding" else (V if inp == "onehot" else I)
    kw = dict(num_layers=layers, bidirectional=bi, batch_first=batch_first, bias=bias)
    if cell.startswith("rnn"):
        rnn = nn.RNN(in_size, H, nonlinearity=cell[4:], **kw)
    elif cell == "lstm":
        rnn = nn.LSTM(in_size, H, proj_size=proj, **kw)
    else:
        rnn = nn.GRU(in_size, H, **kw)
    fc = nn.Linear((proj or H) * (2 if bi else 1), O, bias=bias)
    emb = nn.Embedding(V, E) if inp == "embedding" else None
    with torch.no_grad():  # biases of the same scale as the weights, not zero
        for p in list(rnn.parameters()) + list(fc.parameters()):
            p.uniform_(-0.6, 0.6)
    return Net(names, emb, rnn, fc)


def inputs(model, inp, T, B, V=11, I=4, seed=1):
    """Time-major inputs for recur, and what the module takes."""
    g = torch.Generator().manual_seed(seed)
    if inp == "dense":
        x = torch.randn(T, B, I, generator=g).float()
    else:
        x = torch.randint(0, V, (T, B), generator=g)
    return x


def torch_forward(model, x, inp, batch_first, V=11):
    """Time-major [T][B][O] outputs in float64."""
    m = model.double()
    xin = x
    if inp == "dense":
        xin = x.double()
    elif inp == "onehot":
        xin = nn.functional.one_hot(x, V).double()
    if batch_first:
        xin = xin.transpose(0, 1)
    with torch.no_grad():
        y = m(xin)
    m.float()
    return y.transpose(0, 1) if batch_first else y


def recur_outputs(path, x, inp, step=False):
    T, B = x.shape[0], x.shape[1]
    fn = os.path.join(TMP, "input.txt")
    with open(fn, "w") as f:
        f.write("%d %d\n" % (T, B))
        vals = x.reshape(-1).tolist()
        f.write("\n".join(("%.9g" % v) if inp == "dense" else str(int(v)) for v in vals))
        f.write("\n")
    r = subprocess.run([TOOL, path, fn] + (["--step"] if step else []),
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return torch.tensor([float(v) for v in r.stdout.split()], dtype=torch.float64)


def compare(name, path, model, x, inp, batch_first, step):
    """recur's forward (and step) against PyTorch's."""
    global worst_seen
    ref = torch_forward(model, x, inp, batch_first).reshape(-1)
    for mode in (["forward", "step"] if step else ["forward"]):
        try:
            got = recur_outputs(path, x, inp, step=mode == "step")
        except RuntimeError as e:
            bad("%s [%s]" % (name, mode), str(e))
            continue
        if got.shape != ref.shape:
            bad("%s [%s]" % (name, mode), "%d outputs, expected %d" % (got.numel(), ref.numel()))
            continue
        rel = ((got - ref).abs() / ref.abs().clamp(min=1)).max().item()
        worst_seen = max(worst_seen, rel)
        if rel <= TOL:
            ok("%s [%s] (worst relative difference %.2g)" % (name, mode, rel))
        else:
            bad("%s [%s]" % (name, mode), "relative difference %.3g > %g" % (rel, TOL))


# name, cell, layers, bidirectional, input, batch_first, submodule names, bias
CASES = [
    ("rnn_tanh dense", "rnn_tanh", 1, False, "dense", False, ("", "rnn", "fc"), True),
    ("rnn_tanh 2 layers bidirectional embedding, bias=False", "rnn_tanh", 2, True,
     "embedding", True, ("emb", "encoder", "head"), False),
    ("rnn_relu 2 layers embedding batch_first", "rnn_relu", 2, False, "embedding", True,
     ("embedding", "rnn", "fc"), True),
    ("rnn_relu bidirectional dense", "rnn_relu", 1, True, "dense", False,
     ("", "cell", "out"), True),
    ("lstm embedding", "lstm", 1, False, "embedding", False, ("encoder", "lstm", "decoder"),
     True),
    ("lstm 2 layers bidirectional dense batch_first", "lstm", 2, True, "dense", True,
     ("", "lstm", "linear"), True),
    ("lstm one-hot", "lstm", 2, False, "onehot", False, ("", "lstm", "fc"), True),
    ("gru 2 layers bidirectional embedding", "gru", 2, True, "embedding", False,
     ("embed", "gru", "proj"), True),
    ("gru dense batch_first", "gru", 1, False, "dense", True, ("", "gru", "fc"), True),
    ("gru 3 layers embedding, bias=False", "gru", 3, False, "embedding", True,
     ("tok", "gru", "fc"), False),
]


def module_cases():
    for k, (name, cell, layers, bi, inp, bf, names, bias) in enumerate(CASES):
        model = build(cell, layers, bi, inp, bf, names, bias=bias, seed=10 + k)
        path = os.path.join(TMP, "m%d.safetensors" % k)
        try:
            ex.export(model, path, input="onehot" if inp == "onehot" else "dense")
        except ex.ExportError as e:
            bad(name, "export refused: %s" % e)
            continue
        compare(name, path, model, inputs(model, inp, 9, 3, seed=k), inp, bf, not bi)


class Encoder(nn.Module):
    """What recur computes for a model without a Linear: rnn(x)[0]."""

    def __init__(self, emb, rnn):
        super().__init__()
        self.emb, self.rnn = emb, rnn

    def forward(self, x):
        return self.rnn(self.emb(x) if self.emb is not None else x)[0]


def encoder_cases():
    """No Linear: recur's outputs are the top layer's states."""
    torch.manual_seed(30)
    lstm = nn.LSTM(4, 5, 2, bidirectional=True, batch_first=True)
    path = os.path.join(TMP, "enc0.safetensors")
    ex.export(lstm, path)
    x = inputs(None, "dense", 7, 3)
    compare("encoder: bare LSTM 2 layers bidirectional batch_first", path,
            Encoder(None, lstm), x, "dense", True, False)
    emb, gru = nn.Embedding(11, 4), nn.GRU(4, 6)
    path = os.path.join(TMP, "enc1.safetensors")
    ex.export({"embedding": emb, "rnn": gru}, path)
    compare("encoder: Embedding + GRU", path, Encoder(emb, gru),
            inputs(None, "embedding", 7, 3), "embedding", False, False)
    path = os.path.join(TMP, "enc2.safetensors")
    ex.export(Encoder(emb, gru), path, plain=True)
    compare("encoder: plain Embedding + GRU", path, Encoder(emb, gru),
            inputs(None, "embedding", 5, 2), "embedding", False, False)


def plain_cases():
    """Plain files (PyTorch names, no recur metadata): recur infers the rest."""
    plain = [
        ("plain lstm 2 layers bidirectional embedding", "lstm", 2, True, "embedding",
         ("encoder", "lstm", "decoder"), True),
        ("plain rnn_relu (cell hint) dense", "rnn_relu", 1, False, "dense",
         ("", "rnn", "fc"), True),
        ("plain gru without biases", "gru", 2, False, "dense", ("", "gru", "linear"), False),
    ]
    for k, (name, cell, layers, bi, inp, names, bias) in enumerate(plain):
        model = build(cell, layers, bi, inp, False, names, bias=bias, seed=40 + k)
        path = os.path.join(TMP, "plain%d.safetensors" % k)
        ex.export(model, path, plain=True)
        meta = read_header(path).get("__metadata__", {})
        if "input" in meta or meta.get("format") == "recur":
            bad(name, "plain file has recur metadata: %s" % meta)
            continue
        compare(name, path, model, inputs(model, inp, 8, 2, seed=k), inp, False, not bi)


def proj_cases():
    """LSTMs with projections (proj_size): recur's file, the state_dict as it is
    (plain), an encoder, and a torch.save'd state_dict through the CLI."""
    cases = [
        ("proj: lstm 2 layers dense", 2, False, "dense", False, ("", "lstm", "fc"), True),
        ("proj: lstm 2 layers bidirectional embedding batch_first, bias=False", 2, True,
         "embedding", True, ("emb", "lstm", "head"), False),
        ("proj: lstm one-hot", 1, False, "onehot", False, ("", "rnn", "fc"), True),
    ]
    for k, (name, layers, bi, inp, bf, names, bias) in enumerate(cases):
        model = build("lstm", layers, bi, inp, bf, names, bias=bias, seed=80 + k, proj=3)
        for plain in (False, True):
            if plain and inp == "onehot":
                continue  # a plain file has no input kind: its input is dense
            path = os.path.join(TMP, "proj%d%s.safetensors" % (k, "p" if plain else ""))
            try:
                ex.export(model, path, plain=plain,
                          input="onehot" if inp == "onehot" else "dense")
            except ex.ExportError as e:
                bad(name, "export refused: %s" % e)
                continue
            compare(name + (" (plain state_dict)" if plain else ""), path, model,
                    inputs(model, inp, 9, 3, seed=k), inp, bf, not bi)
    torch.manual_seed(90)
    lstm = nn.LSTM(4, 6, 2, proj_size=2)
    path = os.path.join(TMP, "projenc.safetensors")
    ex.export(lstm, path, plain=True)
    compare("proj: encoder, bare LSTM 2 layers (plain)", path, Encoder(None, lstm),
            inputs(None, "dense", 7, 3), "dense", False, False)
    sd = os.path.join(TMP, "proj.pt")
    model = build("lstm", 1, False, "embedding", False, ("embedding", "rnn", "fc"),
                  seed=91, proj=2)
    torch.save(model.state_dict(), sd)
    out = os.path.join(TMP, "proj_sd.safetensors")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "export_pytorch.py"),
                        sd, out], capture_output=True, text=True)
    if r.returncode == 0 and "proj=2" in r.stdout:
        compare("proj: CLI, state_dict of an LSTM with proj_size", out, model,
                inputs(model, "embedding", 7, 2), "embedding", False, True)
    else:
        bad("proj: CLI, state_dict of an LSTM with proj_size", r.stdout + r.stderr.strip())


def read_header(path):
    import json
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        return json.loads(f.read(n))


def cli_cases():
    """The command line on torch.save'd files: a state_dict and a module."""
    model = build("rnn_relu", 2, True, "embedding", False, ("embedding", "rnn", "fc"),
                  seed=60)
    sd = os.path.join(TMP, "relu_sd.pt")
    torch.save(model.state_dict(), sd)
    out = os.path.join(TMP, "relu_sd.safetensors")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "export_pytorch.py"),
                        sd, out, "--nonlinearity", "relu"], capture_output=True, text=True)
    if r.returncode == 0:
        compare("CLI: state_dict of a relu RNN", out, model,
                inputs(model, "embedding", 7, 2), "embedding", False, False)
    else:
        bad("CLI: state_dict of a relu RNN", r.stderr.strip())
    # A whole module of standard classes (importable by torch.load), with a
    # vocabulary: recur can sample from it.
    torch.manual_seed(61)
    vocab = "\n abcdefghij"
    mod = nn.ModuleDict({"encoder": nn.Embedding(len(vocab), 4),
                         "gru": nn.GRU(4, 8, 2), "decoder": nn.Linear(8, len(vocab))})
    pt = os.path.join(TMP, "moddict.pt")
    torch.save(mod, pt)
    out = os.path.join(TMP, "moddict.safetensors")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "export_pytorch.py"),
                        pt, out, "--vocab", vocab], capture_output=True, text=True)
    if r.returncode != 0:
        bad("CLI: saved module with a vocabulary", r.stderr.strip())
        return
    net = Net(("encoder", "gru", "decoder"), mod["encoder"], mod["gru"], mod["decoder"])
    compare("CLI: saved module with a vocabulary", out, net,
            inputs(net, "embedding", 6, 2, V=len(vocab)), "embedding", False, True)
    s = subprocess.run([RECUR, "sample", out, "--prime", "abc", "--length", "20", "--greedy"],
                       capture_output=True, text=True)
    if s.returncode == 0 and s.stdout.startswith("abc") and len(s.stdout) >= 23:
        ok("recur sample runs an exported character model")
    else:
        bad("recur sample runs an exported character model", s.stderr.strip())
    # Greedy sampling is the arg-max of PyTorch's own logits, step by step.
    ids = [vocab.index(ch) for ch in "abc"]
    with torch.no_grad():
        net.double()
        for _ in range(20):
            y = net(torch.tensor(ids).reshape(-1, 1))
            ids.append(int(y[-1, 0].argmax()))
        net.float()
    want = "".join(vocab[i] for i in ids)
    if s.stdout.rstrip("\n") == want.rstrip("\n") or s.stdout[:-1] == want:
        ok("recur sample --greedy follows PyTorch's arg-max")
    else:
        bad("recur sample --greedy follows PyTorch's arg-max",
            "%r != %r" % (s.stdout[:-1], want))


def refusals():
    """What recur cannot represent is refused with a message naming it."""
    torch.manual_seed(70)

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.LSTM(3, 4)
            self.decoder = nn.LSTM(4, 4)
            self.fc = nn.Linear(4, 2)

    class Norm(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(3, 4)
            self.norm = nn.LayerNorm(4)
            self.fc = nn.Linear(4, 2)

    cases = [
        ("Linear reading the hidden size of an LSTM with proj_size",
         {"rnn": nn.LSTM(3, 4, proj_size=2), "fc": nn.Linear(4, 2)}, "proj_size 2"),
        ("two recurrent modules", Two(), "'encoder', 'decoder'"),
        ("LayerNorm", Norm(), "norm.weight"),
        ("Embedding max_norm", {"embedding": nn.Embedding(5, 3, max_norm=1.0),
                                "rnn": nn.GRU(3, 4), "fc": nn.Linear(4, 2)}, "max_norm"),
        ("Linear of the wrong width", {"rnn": nn.GRU(3, 4, bidirectional=True),
                                       "fc": nn.Linear(4, 2)}, "reads 4 features"),
        ("too many layers", {"rnn": nn.GRU(3, 4, 17), "fc": nn.Linear(4, 2)}, "layer count"),
        ("vocabulary out of order", {"embedding": nn.Embedding(3, 3), "rnn": nn.GRU(3, 4),
                                     "fc": nn.Linear(4, 3), "vocab": "cba"}, "increasing"),
    ]
    for name, obj, want in cases:
        vocab = obj.pop("vocab", None) if isinstance(obj, dict) else None
        try:
            ex.export(obj, os.path.join(TMP, "refused.safetensors"), vocab=vocab)
            bad("refused: " + name, "exported")
        except ex.ExportError as e:
            if want in str(e):
                ok("refused: %s (%s)" % (name, e))
            else:
                bad("refused: " + name, "message %r lacks %r" % (str(e), want))
    if os.path.exists(os.path.join(TMP, "refused.safetensors")):
        bad("refusals write no file", "a file was written")
    else:
        ok("refusals write no file")
    # The command line: one line on stderr, exit status 1.
    sd = os.path.join(TMP, "maxnorm.pt")
    torch.save(nn.ModuleDict({"embedding": nn.Embedding(5, 3, max_norm=1.0),
                              "rnn": nn.GRU(3, 4), "fc": nn.Linear(4, 2)}), sd)
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "export_pytorch.py"),
                        sd, os.path.join(TMP, "x.safetensors")], capture_output=True, text=True)
    lines = r.stderr.strip().splitlines()
    if r.returncode == 1 and len(lines) == 1 and "max_norm" in lines[0]:
        ok("CLI refuses in one line: %s" % lines[0])
    else:
        bad("CLI refuses in one line", "exit %d: %r" % (r.returncode, r.stderr))
    # A whole model pickled from a script's own class: a one-line hint, not
    # a traceback (the class is not importable in the exporter's process).
    pk = os.path.join(TMP, "pickled.py")
    with open(pk, "w") as f:
        f.write("import torch\n"
                "class LM(torch.nn.Module):\n"
                "    def __init__(s):\n"
                "        super().__init__(); s.rnn = torch.nn.GRU(3, 4)\n"
                "torch.save(LM(), %r)\n" % os.path.join(TMP, "whole.pt"))
    subprocess.run([sys.executable, pk], check=True, capture_output=True)
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "export_pytorch.py"),
                        os.path.join(TMP, "whole.pt"), os.path.join(TMP, "x.safetensors")],
                       capture_output=True, text=True)
    lines = r.stderr.strip().splitlines()
    if r.returncode == 1 and len(lines) == 1 and "state_dict" in lines[0]:
        ok("a pickled model of an unknown class: %s" % lines[0][:60])
    else:
        bad("a pickled model of an unknown class", "exit %d: %r" % (r.returncode, r.stderr))


def main():
    for fn in (module_cases, encoder_cases, plain_cases, proj_cases, cli_cases, refusals):
        try:
            fn()
        except Exception as e:  # a crash in a group counts as one failure
            bad(fn.__name__, "%s: %s" % (type(e).__name__, e))
    print("worst relative difference over all comparisons: %.3g (limit %g)"
          % (worst_seen, TOL))
    for f in os.listdir(TMP):
        os.unlink(os.path.join(TMP, f))
    os.rmdir(TMP)
    print("torch_export_test: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
