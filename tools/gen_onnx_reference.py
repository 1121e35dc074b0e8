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

The refuse_<name>.onnx files are graphs recur must refuse, each with the
words its message must contain in tests/onnx/refusals.txt: made from a
PyTorch export by editing the graph with the onnx package (an operator recur
lacks, GRU linear_before_reset=0, direction=reverse, external data,
sequence_lens, a non-zero initial state).

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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_reference import write_safetensors  # noqa: E402

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
    node(m, "GRU").attribute.append(helper.make_attribute("direction", "reverse"))
    save("reverse", m, "direction=reverse")

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
    refusals(a.out)
    print("gen_onnx_reference: %d cases and refusals in %s" % (len(CASES), a.out))


if __name__ == "__main__":
    main()
