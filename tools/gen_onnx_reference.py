#!/usr/bin/python3
"""gen_onnx_reference.py - ONNX test vectors for recur's importer, from PyTorch.

Each case is a small PyTorch model ([nn.Embedding] -> nn.RNN/LSTM/GRU ->
[readout] -> [nn.Linear]) exported by torch.onnx.export (opset 14 unless the case says, dynamic
time and batch axes) to tests/onnx/<name>.onnx, with its input and PyTorch's
output in tests/onnx/<name>.ref.safetensors ("x" and "y" as float32; metadata:
input = tokens|dense, batch_first = 0|1, readout). tests/test_onnx.c imports
the .onnx files and compares recur's outputs with "y", so the test needs no
PyTorch.

<name>_typed.onnx: two of the models with their weights in the typed
fields (float_data) instead of raw_data, half of them in Constant nodes.

<name>_rev_*.onnx: direction="reverse" layers (what tf2onnx writes for
Keras go_backwards=True), two ways: PyTorch exports whose recurrent nodes
are edited to direction="reverse", and graphs built node by node with
onnx.helper.make_node as tf2onnx lays them out (Squeeze of the direction
axis, Y_h into a Gemm). Their "y" is computed by the numpy ONNX interpreter
tests/onnx_numpy_runtime.py for the graphs built node by node, and
PyTorch's on the time-flipped input (a reverse stack is the forward stack
read backward) for the edited exports, where the interpreter is checked
against it here to 1e-5 relative.

The refuse_<name>.onnx files are graphs recur must refuse, each with the
words its message must contain in tests/onnx/refusals.txt: made from a
PyTorch export by editing the graph with the onnx package (an operator recur
lacks, GRU linear_before_reset=0, external data, sequence_lens, a non-zero
initial state, and reverse layers that do not fit: weights of two
directions, a bias of the wrong width, a forward layer under a reverse one,
the last time step of a reverse layer taken as its final state, h_n[-1]
of a bidirectional stack).

    /usr/bin/python3 tools/gen_onnx_reference.py --out tests/onnx

Deterministic: fixed seeds; torch 1.13 and onnx 1.12 (Debian 12).
"""
import argparse
import os
import sys
import warnings

import numpy as np
import torch
import onnx
from onnx import helper, numpy_helper, TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from gen_reference import write_safetensors  # noqa: E402
import onnx_numpy_runtime as rt  # noqa: E402

warnings.filterwarnings("ignore")
T, B, V, E, I, H, O = 6, 3, 7, 4, 3, 5, 4


class Net(torch.nn.Module):
    def __init__(self, cell, emb, layers, bi, fc, readout="sequence", batch_first=False,
                 nonlinearity="tanh"):
        super().__init__()
        self.emb = torch.nn.Embedding(V, E) if emb else None
        kw = {"nonlinearity": nonlinearity} if cell == "RNN" else {}
        self.rnn = getattr(torch.nn, cell)(E if emb else I, H, num_layers=layers,
                                           bidirectional=bool(bi), batch_first=bool(batch_first),
                                           **kw)
        D = 2 if bi else 1
        self.fc = torch.nn.Linear(H * D, O) if fc else None
        self.readout, self.bf = readout, batch_first

    def forward(self, x):
        if self.emb is not None:
            x = self.emb(x)
        if self.readout == "bare":           # a bare nn.LSTM/GRU/RNN: (y, h_n[, c_n])
            return self.rnn(x)
        out, h = self.rnn(x)
        if isinstance(h, tuple):
            h = h[0]
        tdim = 1 if self.bf else 0
        if self.readout == "last":            # the last step (unidirectional)
            out = out.select(tdim, -1)
        elif self.readout == "final":         # the final states, one layer
            out = h.transpose(0, 1).reshape(x.shape[1 - tdim], -1)
        elif self.readout == "mean":
            out = out.mean(tdim)
        elif self.readout == "hn_last":       # h_n[-1]: the top layer's final state
            out = h[-1]
        return self.fc(out) if self.fc is not None else out


# name: (cell, embedding, layers, bidirectional, Linear, readout, batch_first,
#        nonlinearity[, opset (default 14)])
CASES = [
    ("lstm_emb_l1_fc", ("LSTM", 1, 1, 0, 1, "sequence", 0, "tanh")),
    ("lstm_emb_bi_l2_fc", ("LSTM", 1, 2, 1, 1, "sequence", 0, "tanh")),
    ("lstm_dense_l3", ("LSTM", 0, 3, 0, 0, "sequence", 0, "tanh")),
    ("lstm_dense_bi_l1_fc_bf", ("LSTM", 0, 1, 1, 1, "sequence", 1, "tanh")),
    ("lstm_emb_l2_last_fc", ("LSTM", 1, 2, 0, 1, "last", 0, "tanh")),
    ("lstm_emb_bi_l1_mean_fc", ("LSTM", 1, 1, 1, 1, "mean", 0, "tanh")),
    ("gru_dense_l1_fc", ("GRU", 0, 1, 0, 1, "sequence", 0, "tanh")),
    ("gru_emb_bi_l3", ("GRU", 1, 3, 1, 0, "sequence", 0, "tanh")),
    ("gru_dense_bi_l2_fc", ("GRU", 0, 2, 1, 1, "sequence", 0, "tanh")),
    ("gru_dense_bi_l1_final_fc", ("GRU", 0, 1, 1, 1, "final", 0, "tanh")),
    ("gru_emb_l1_final", ("GRU", 1, 1, 0, 0, "final", 0, "tanh")),
    ("rnn_tanh_dense_l1_fc_bf", ("RNN", 0, 1, 0, 1, "sequence", 1, "tanh")),
    ("rnn_tanh_dense_bi_l1", ("RNN", 0, 1, 1, 0, "sequence", 0, "tanh")),
    ("rnn_relu_emb_l2_fc", ("RNN", 1, 2, 0, 1, "sequence", 0, "relu")),
    ("rnn_relu_dense_bi_l3_mean_fc", ("RNN", 0, 3, 1, 1, "mean", 0, "relu")),
    ("lstm_bare_bi_l2", ("LSTM", 0, 2, 1, 0, "bare", 0, "tanh")),
    ("gru_bare_l3", ("GRU", 0, 3, 0, 0, "bare", 0, "tanh")),
    # older opsets: Slice and Squeeze with attributes (9), out[-1] as Slice (10)
    ("lstm_emb_bi_l2_fc_opset9", ("LSTM", 1, 2, 1, 1, "sequence", 0, "tanh", 9)),
    ("gru_dense_l2_last_fc_bf_opset10", ("GRU", 0, 2, 0, 1, "last", 1, "tanh", 10)),
    # fc(h_n[-1]), the usual classifier: one layer's Y_h, or the layers' concatenated
    ("gru_dense_l1_hn_last_fc", ("GRU", 0, 1, 0, 1, "hn_last", 0, "tanh")),
    ("lstm_emb_l2_hn_last_fc", ("LSTM", 1, 2, 0, 1, "hn_last", 0, "tanh")),
    ("rnn_tanh_dense_l3_hn_last_fc_bf", ("RNN", 0, 3, 0, 1, "hn_last", 1, "tanh")),
]


def export(model, x, path, opset=14):
    dyn = {"x": {0: "T", 1: "B"}} if not model.bf else {"x": {0: "B", 1: "T"}}
    names = ["y"]
    if model.readout == "bare":
        names = ["y", "h_n", "c_n"] if isinstance(model.rnn, torch.nn.LSTM) else ["y", "h_n"]
    torch.onnx.export(model, (x,), path, input_names=["x"], output_names=names,
                      opset_version=opset, dynamic_axes=dyn)


def make_case(out, name, spec, seed):
    cell, emb, layers, bi, fc, readout, bf, nl = spec[:8]
    opset = spec[8] if len(spec) > 8 else 14
    torch.manual_seed(seed)
    model = Net(cell, emb, layers, bi, fc, readout, bf, nl).eval()
    shape = (B, T) if bf else (T, B)
    x = torch.randint(0, V, shape) if emb else torch.randn(*shape, I)
    with torch.no_grad():
        y = model(x)
    if readout == "bare":
        y = y[0]
    export(model, x, os.path.join(out, name + ".onnx"), opset)
    meta = {"input": "tokens" if emb else "dense", "batch_first": bf, "readout": readout}
    write_safetensors(os.path.join(out, name + ".ref.safetensors"),
                      [("x", "F32", x.float()), ("y", "F32", y)], meta)
    return model, x


def typed_variant(out, name):
    """The same model with its weights in the typed fields (float_data, and
    int64_data for integer constants) instead of raw_data, half of them
    moved into Constant nodes: <name>_typed.onnx, the same reference."""
    m = onnx.load(os.path.join(out, name + ".onnx"))
    inits = list(m.graph.initializer)
    del m.graph.initializer[:]
    consts = []
    for k, t in enumerate(inits):
        a = numpy_helper.to_array(t)
        dtype = TensorProto.FLOAT if a.dtype == np.float32 else TensorProto.INT64
        typed = helper.make_tensor(t.name, dtype, a.shape, a.reshape(-1).tolist(), raw=False)
        if k % 2:
            consts.append(helper.make_node("Constant", [], [t.name], value=typed,
                                           name="const_%d" % k))
        else:
            m.graph.initializer.append(typed)
    nodes = consts + list(m.graph.node)
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, name + "_typed.onnx"))
    with open(os.path.join(out, name + ".ref.safetensors"), "rb") as f:
        ref = f.read()
    with open(os.path.join(out, name + "_typed.ref.safetensors"), "wb") as f:
        f.write(ref)


# name: (cell, embedding, layers, Linear, readout, nonlinearity): PyTorch
# exports (time-major) with every recurrent node edited to direction=reverse.
REVERSE_CASES = [
    ("rnn_tanh_dense_rev_l1_fc", ("RNN", 0, 1, 1, "sequence", "tanh")),
    ("rnn_relu_emb_rev_l2", ("RNN", 1, 2, 0, "sequence", "relu")),
    ("lstm_emb_rev_l2_fc", ("LSTM", 1, 2, 1, "sequence", "tanh")),
    ("lstm_dense_rev_l1_final_fc", ("LSTM", 0, 1, 1, "final", "tanh")),
    ("gru_dense_rev_l2_mean_fc", ("GRU", 0, 2, 1, "mean", "tanh")),
    ("gru_emb_rev_l1_final", ("GRU", 1, 1, 0, "final", "tanh")),
]


def to_reverse(m):
    for n in m.graph.node:
        if n.op_type in ("RNN", "LSTM", "GRU"):
            for a in list(n.attribute):
                if a.name == "direction":
                    n.attribute.remove(a)
            n.attribute.append(helper.make_attribute("direction", "reverse"))
    onnx.checker.check_model(m)
    return m


def rel_diff(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


def reverse_case(out, name, spec, seed):
    """A PyTorch export edited to reverse; y is PyTorch's on the time-flipped
    input (flipped back), checked here against the numpy interpreter."""
    cell, emb, layers, fc, readout, nl = spec
    torch.manual_seed(seed)
    model = Net(cell, emb, layers, 0, fc, readout, 0, nl).eval()
    x = torch.randint(0, V, (T, B)) if emb else torch.randn(T, B, I)
    path = os.path.join(out, name + ".onnx")
    export(model, x, path)
    m = to_reverse(onnx.load(path))
    onnx.save(m, path)
    y = rt.run(m, {"x": x.numpy() if emb else x.numpy().astype(np.float32)})[0]
    with torch.no_grad():
        yt = model(x.flip(0))
    if readout == "sequence":
        yt = yt.flip(0)
    d = rel_diff(y, yt.numpy())
    assert d <= 1e-5, (name, d)
    write_safetensors(os.path.join(out, name + ".ref.safetensors"),
                      [("x", "F32", x.float()), ("y", "F32", yt)],
                      {"input": "tokens" if emb else "dense", "batch_first": 0,
                       "readout": readout, "y_from": "pytorch_time_flipped"})
    return d


def onnx_weights(cell, hidden, width, rs):
    G = {"RNN": 1, "GRU": 3, "LSTM": 4}[cell]
    k = 1 / np.sqrt(hidden)
    W = rs.uniform(-k, k, (1, G * hidden, width)).astype(np.float32)
    R = rs.uniform(-k, k, (1, G * hidden, hidden)).astype(np.float32)
    Bias = rs.uniform(-k, k, (1, 2 * G * hidden)).astype(np.float32)
    return W, R, Bias


def helper_case(out, name, cell, layers, readout, seed):
    """A reverse stack built node by node, as tf2onnx lays out Keras's
    go_backwards layers: x [T, B, I] -> (cell, direction=reverse) -> Squeeze
    of the direction axis -> ... -> SEQUENCE: MatMul + Add on Y, LAST: Gemm
    on Y_h."""
    rs = np.random.RandomState(seed)
    inits, nodes, prev, width = [], [], "x", I
    inits.append(numpy_helper.from_array(np.array([1], np.int64), "axis1"))
    inits.append(numpy_helper.from_array(np.array([0], np.int64), "axis0"))
    attrs = {"hidden_size": H, "direction": "reverse"}
    if cell == "GRU":
        attrs["linear_before_reset"] = 1
    for l in range(layers):
        W, R, Bias = onnx_weights(cell, H, width, rs)
        for nm, a in (("W", W), ("R", R), ("B", Bias)):
            inits.append(numpy_helper.from_array(a, "%s_%d" % (nm, l)))
        nodes.append(helper.make_node(cell, [prev, "W_%d" % l, "R_%d" % l, "B_%d" % l],
                                      ["Y_%d" % l, "Y_h_%d" % l], name="%s_%d" % (cell.lower(), l),
                                      **attrs))
        nodes.append(helper.make_node("Squeeze", ["Y_%d" % l, "axis1"], ["seq_%d" % l],
                                      name="squeeze_%d" % l))
        prev, width = "seq_%d" % l, H
    fw = rs.uniform(-0.4, 0.4, (O, H)).astype(np.float32)
    fb = rs.uniform(-0.4, 0.4, (O,)).astype(np.float32)
    if readout == "sequence":
        inits.append(numpy_helper.from_array(fw.T.copy(), "fc_wt"))
        inits.append(numpy_helper.from_array(fb, "fc_b"))
        nodes.append(helper.make_node("MatMul", [prev, "fc_wt"], ["dense"], name="dense"))
        nodes.append(helper.make_node("Add", ["dense", "fc_b"], ["y"], name="dense_bias"))
        yshape = ["T", "B", O]
    else:
        inits.append(numpy_helper.from_array(fw, "fc_w"))
        inits.append(numpy_helper.from_array(fb, "fc_b"))
        nodes.append(helper.make_node("Squeeze", ["Y_h_%d" % (layers - 1), "axis0"], ["final"],
                                      name="squeeze_final"))
        nodes.append(helper.make_node("Gemm", ["final", "fc_w", "fc_b"], ["y"], name="dense",
                                      transB=1))
        yshape = ["B", O]
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", "B", I])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, yshape)], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)],
                          producer_name="gen_onnx_reference")
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, name + ".onnx"))
    x = rs.standard_normal((T, B, I)).astype(np.float32)
    y = rt.run(m, {"x": x})[0].astype(np.float32)
    write_safetensors(os.path.join(out, name + ".ref.safetensors"),
                      [("x", "F32", torch.from_numpy(x)), ("y", "F32", torch.from_numpy(y))],
                      {"input": "dense", "batch_first": 0,
                       "readout": "final" if readout == "last" else readout,
                       "y_from": "onnx_numpy_runtime"})


HELPER_CASES = [
    ("gru_rev_l2_last_helper", "GRU", 2, "last"),
    ("lstm_rev_l1_fc_helper", "LSTM", 1, "sequence"),
    ("rnn_rev_l2_last_helper", "RNN", 2, "last"),
]


def reverse_refusals(out, lines):
    """Reverse layers that do not fit recur, each refused in one line."""
    def save(name, m, words):
        onnx.save(m, os.path.join(out, "refuse_%s.onnx" % name))
        lines.append("refuse_%s.onnx\t%s" % (name, words))

    def exported(layers, readout, seed):
        torch.manual_seed(seed)
        model = Net("GRU", 0, layers, 0, 1, readout).eval()
        tmp = os.path.join(out, "tmp_rev.onnx")
        export(model, torch.randn(T, B, I), tmp)
        m = onnx.load(tmp)
        os.remove(tmp)
        return m

    def init_of(m, name):
        return next(t for t in m.graph.initializer if t.name == name)

    def grus(m):
        return [n for n in m.graph.node if n.op_type == "GRU"]

    # Weights of two directions under direction=reverse.
    m = to_reverse(exported(1, "sequence", 98))
    for k in (1, 2, 3):
        t = init_of(m, grus(m)[0].input[k])
        a = numpy_helper.to_array(t)
        t.CopyFrom(numpy_helper.from_array(np.concatenate([a, a]), t.name))
    save("reverse_two_directions", m, "must be a constant float tensor [1,")

    # A bias of half the width ([Wb] without [Rb]).
    m = to_reverse(exported(1, "sequence", 98))
    t = init_of(m, grus(m)[0].input[3])
    a = numpy_helper.to_array(t)
    t.CopyFrom(numpy_helper.from_array(a[:, :a.shape[1] // 2].copy(), t.name))
    save("reverse_bias_width", m, "B must be a constant float tensor [1, %d]" % (6 * H))

    # A reverse layer over a forward one.
    m = exported(2, "sequence", 97)
    g = grus(m)[1]
    g.attribute.append(helper.make_attribute("direction", "reverse"))
    save("reverse_mixed", m, "all run in one direction")

    # out[-1] of a reverse layer: the state after the last step alone.
    m = to_reverse(exported(1, "last", 96))
    save("reverse_last_step", m, "last time step of a reverse layer")


def refusals(out):
    """Graphs recur must refuse: a PyTorch export, edited."""
    torch.manual_seed(99)
    tmp = os.path.join(out, "tmp_base.onnx")
    model = Net("GRU", 0, 1, 0, 1).eval()
    export(model, torch.randn(T, B, I), tmp)
    base = onnx.load(tmp)
    os.remove(tmp)
    lines = []

    def save(name, m, words):
        onnx.save(m, os.path.join(out, "refuse_%s.onnx" % name))
        lines.append("refuse_%s.onnx\t%s" % (name, words))

    def node(m, op):
        return next(n for n in m.graph.node if n.op_type == op)

    m = onnx.ModelProto()
    m.CopyFrom(base)
    gru = node(m, "GRU")
    for a in gru.attribute:
        if a.name == "linear_before_reset":
            a.i = 0
    save("gru_lbr0", m, "linear_before_reset=0")

    m = onnx.ModelProto()
    m.CopyFrom(base)
    y = m.graph.output[0].name
    add = node(m, "Add")
    add.output[0] = "logits"
    m.graph.node.append(helper.make_node("Softmax", ["logits"], [y], name="softmax_node"))
    save("softmax", m, "softmax_node")
    m.graph.node[-1].name = ""
    save("softmax_unnamed", m, "(Softmax): this operator is not supported")

    m = onnx.ModelProto()
    m.CopyFrom(base)
    w = next(t for t in m.graph.initializer if "GRU" in t.name)
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    w.external_data.append(onnx.StringStringEntryProto(key="location", value="w.bin"))
    save("external", m, "external")

    m = onnx.ModelProto()
    m.CopyFrom(base)
    m.graph.initializer.append(numpy_helper.from_array(np.full(B, T, np.int32), "lens"))
    node(m, "GRU").input[4] = "lens"
    save("seqlens", m, "sequence_lens")

    m = onnx.ModelProto()
    m.CopyFrom(base)
    m.graph.initializer.append(numpy_helper.from_array(np.ones((1, B, H), np.float32), "h0"))
    node(m, "GRU").input[5] = "h0"
    save("initial_h", m, "initial_h")

    torch.manual_seed(98)  # h_n[-1] of a bidirectional stack: one direction only
    tmp = os.path.join(out, "tmp_bi.onnx")
    export(Net("LSTM", 0, 2, 1, 0, "hn_last").eval(), torch.randn(T, B, I), tmp)
    m = onnx.load(tmp)
    os.remove(tmp)
    save("bi_hn_last", m, "reverse direction's final state alone")

    reverse_refusals(out, lines)

    with open(os.path.join(out, "refusals.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="tests/onnx")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for k, (name, spec) in enumerate(CASES):
        make_case(a.out, name, spec, 1000 + k)
    typed_variant(a.out, "lstm_emb_bi_l2_fc")
    typed_variant(a.out, "gru_dense_bi_l1_final_fc")
    worst = 0
    for k, (name, spec) in enumerate(REVERSE_CASES):
        worst = max(worst, reverse_case(a.out, name, spec, 2000 + k))
    for k, (name, cell, layers, readout) in enumerate(HELPER_CASES):
        helper_case(a.out, name, cell, layers, readout, 3000 + k)
    refusals(a.out)
    print("gen_onnx_reference: %d cases, %d reverse (numpy interpreter vs PyTorch on "
          "flipped input: worst relative %.1e) and %d built node by node, and refusals in %s"
          % (len(CASES), len(REVERSE_CASES), worst, len(HELPER_CASES), a.out))


if __name__ == "__main__":
    main()
