"""onnx_export_cases.py - recur's ONNX exports checked by independent tools
(run by tests/onnx_export_test.sh with the build directory as argument):

1. the numpy ONNX interpreter (tests/onnx_numpy_runtime.py, written from the
   ONNX operator specification) is itself checked against PyTorch on the
   torch.onnx.export files of tests/onnx (<= 1e-5 relative);
2. random recur models of every cell, input kind, readout and direction
   count, 1-3 layers, with and without a dense layer, exported by
   `recur export --format onnx`, pass onnx.checker (full check: types and
   shapes inferred) and give recur's outputs (tests/tool_forward) when run by
   the interpreter (<= 1e-5 relative to max(1, |y|));
3. `recur import` of an export, exported again, gives the same bytes.
Prints one line per failure and "onnx_export_test: N passed, N failed"."""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import onnx_numpy_runtime as rt  # noqa: E402

BUILD = sys.argv[1]
RECUR = os.path.join(BUILD, "recur")
passed = failed = 0
worst_torch = worst_recur = 0.0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL onnx_export_test: " + what)


def read_ref(path):
    import json
    import struct
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    head = json.loads(raw[8:8 + n])
    out = {}
    for k, v in head.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        out[k] = np.frombuffer(raw[8 + n + b:8 + n + e], "<f4").reshape(v["shape"])
    return head["__metadata__"], out


def runtime_matches_torch():
    global worst_torch
    d = os.path.join(HERE, "onnx")
    for f in sorted(os.listdir(d)):
        if not f.endswith(".ref.safetensors"):
            continue
        name = f[:-len(".ref.safetensors")]
        meta, t = read_ref(os.path.join(d, f))
        if meta.get("y_from") == "onnx_numpy_runtime":  # y is this runtime's own
            continue
        x = t["x"].astype(np.int64) if meta["input"] == "tokens" else t["x"]
        y = rt.run(onnx.load(os.path.join(d, name + ".onnx")), {"x": x})[0]
        rel = float(np.max(np.abs(y - t["y"])) / max(np.max(np.abs(t["y"])), 1e-12))
        worst_torch = max(worst_torch, rel)
        check(rel <= 1e-5, "numpy runtime vs PyTorch on %s: relative %.3g" % (name, rel))


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))
    return r.stdout


def export_case(tmp, cell, inp, layers, bi, readout, out, seed):
    global worst_recur
    what = "%s %s L%d %s %s out%d" % (cell, inp, layers, ("fwd", "bi", "rev")[bi], readout, out)
    model = os.path.join(tmp, "m.safetensors")
    path = os.path.join(tmp, "m.onnx")
    run([os.path.join(BUILD, "tests", "tool_make_model"), cell, inp, str(layers), str(bi),
         readout, str(out), str(seed), model])
    run([RECUR, "export", model, "--format", "onnx", "-o", path])
    m = onnx.load(path)
    try:
        onnx.checker.check_model(m, full_check=True)
        check(True, what)
    except Exception as e:  # noqa: BLE001
        check(False, "%s: onnx.checker: %s" % (what, str(e).splitlines()[0]))
        return
    T, B = 5, 2
    rng = np.random.default_rng(seed)
    if inp == "dense":
        x = rng.standard_normal((T, B, 3)).astype(np.float32)
        text = "%d %d\n" % (T, B) + " ".join("%.9g" % v for v in x.reshape(-1)) + "\n"
    else:
        x = rng.integers(0, 6, (T, B)).astype(np.int64)
        text = "%d %d\n" % (T, B) + " ".join(str(v) for v in x.reshape(-1)) + "\n"
    inpath = os.path.join(tmp, "in.txt")
    open(inpath, "w").write(text)
    want = np.array([float(v) for v in run([os.path.join(BUILD, "tests", "tool_forward"),
                                           model, inpath]).split()], np.float64)
    got = rt.run(m, {"x": x})[0].astype(np.float64).reshape(-1)
    ok = got.shape == want.shape
    rel = float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want)))) if ok else 1.0
    worst_recur = max(worst_recur, rel)
    check(ok and rel <= 1e-5, "%s: numpy runtime vs recur: shape %s vs %s, relative %.3g"
          % (what, got.shape, want.shape, rel))
    # import -> export gives the same bytes
    model2, path2 = os.path.join(tmp, "m2.safetensors"), os.path.join(tmp, "m2.onnx")
    run([RECUR, "import", path, "-o", model2])
    run([RECUR, "export", model2, "--format", "onnx", "-o", path2])
    check(open(path, "rb").read() == open(path2, "rb").read(),
          "%s: export of the import differs from the export" % what)


def main():
    runtime_matches_torch()
    seed = 1
    with tempfile.TemporaryDirectory() as tmp:
        for cell in ("rnn_tanh", "rnn_relu", "lstm", "gru"):
            for inp in ("onehot", "embedding", "dense"):
                for readout in ("sequence", "last", "mean"):
                    for bi in (0, 1, 2):  # forward, bidirectional, reverse
                        out = 0 if (seed % 3 == 0) else 4
                        layers = 1 + seed % 3
                        try:
                            export_case(tmp, cell, inp, layers, bi, readout, out, seed)
                        except RuntimeError as e:
                            check(False, str(e))
                        seed += 1
    print("onnx_export_test: numpy runtime vs PyTorch worst %.2g; vs recur worst %.2g"
          % (worst_torch, worst_recur))
    print("onnx_export_test: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


main()
