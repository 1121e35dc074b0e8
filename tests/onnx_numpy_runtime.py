"""onnx_numpy_runtime.py - an ONNX interpreter in numpy for the operators
recur's exports use (and torch.onnx.export's RNN glue), written from the
ONNX operator specification (onnx/docs/Operators.md, opsets 13-14), not
from recur's code: the independent runtime that runs recur's exports.

    run(model_proto, {"x": array}) -> list of output arrays

Debian 12 has no onnxruntime and its OpenCV is not installed here; the
onnx package (python3-onnx) reads the file and checks it, this file
computes it."""
import numpy as np
from onnx import numpy_helper, helper


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


ACT = {"Sigmoid": _sigmoid, "Tanh": np.tanh, "Relu": lambda x: np.maximum(x, 0)}


def _acts(a, per_dir, dirs, default):
    names = [s.decode() if isinstance(s, bytes) else s for s in a.get("activations", [])]
    if not names:
        names = default * dirs
    return [names[d * per_dir:(d + 1) * per_dir] for d in range(dirs)]


def _recurrent(op, node, inputs):
    """RNN / GRU / LSTM as the spec's equations, layout 0. Returns Y, Y_h, Y_c."""
    a = _attrs(node)
    X, W, R = inputs[0], inputs[1], inputs[2]
    B = inputs[3] if len(inputs) > 3 and inputs[3] is not None else None
    if len(inputs) > 4 and inputs[4] is not None:
        raise ValueError("sequence_lens not implemented")
    T, N, _ = X.shape
    H = int(a["hidden_size"])
    direction = a.get("direction", b"forward")
    direction = direction.decode() if isinstance(direction, bytes) else direction
    dirs = 2 if direction == "bidirectional" else 1
    G = {"RNN": 1, "GRU": 3, "LSTM": 4}[op]
    if B is None:
        B = np.zeros((dirs, 2 * G * H), np.float32)
    h0 = inputs[5] if len(inputs) > 5 and inputs[5] is not None else np.zeros((dirs, N, H), np.float32)
    c0 = inputs[6] if op == "LSTM" and len(inputs) > 6 and inputs[6] is not None else np.zeros((dirs, N, H), np.float32)
    default = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"], "LSTM": ["Sigmoid", "Tanh", "Tanh"]}[op]
    acts = _acts(a, len(default), dirs, default)
    Y = np.zeros((T, dirs, N, H), np.float32)
    Yh = np.zeros((dirs, N, H), np.float32)
    Yc = np.zeros((dirs, N, H), np.float32)
    for d in range(dirs):
        reverse = direction == "reverse" or d == 1
        w, r = W[d], R[d]
        wb, rb = B[d][:G * H], B[d][G * H:]
        h, c = h0[d].astype(np.float64), c0[d].astype(np.float64)
        f = ACT[acts[d][0]]
        g = ACT[acts[d][1]] if G > 1 else None
        hh = ACT[acts[d][2]] if G == 4 else None
        steps = range(T - 1, -1, -1) if reverse else range(T)
        for t in steps:
            x = X[t].astype(np.float64)
            if op == "RNN":
                h = f(x @ w.T + h @ r.T + wb + rb)
            elif op == "LSTM":
                xw = x @ w.T + wb
                hr = h @ r.T + rb
                s = xw + hr  # gates i, o, f, c
                i_, o_, f_, c_ = (s[:, k * H:(k + 1) * H] for k in range(4))
                it, ft, ct = f(i_), f(f_), g(c_)
                c = ft * c + it * ct
                ot = f(o_)
                h = ot * hh(c)
            else:  # GRU, gates z, r, h
                lbr = int(a.get("linear_before_reset", 0))
                xw = x @ w.T + wb
                z = f(xw[:, :H] + h @ r[:H].T + rb[:H])
                rr = f(xw[:, H:2 * H] + h @ r[H:2 * H].T + rb[H:2 * H])
                if lbr:
                    n = g(xw[:, 2 * H:] + rr * (h @ r[2 * H:].T + rb[2 * H:]))
                else:
                    n = g(xw[:, 2 * H:] + (rr * h) @ r[2 * H:].T + rb[2 * H:])
                h = (1 - z) * n + z * h
            Y[t, d] = h
        Yh[d] = h
        Yc[d] = c
    return [Y, Yh, Yc]


def _reshape(x, shape, allowzero=0):
    shape = [int(s) for s in shape]
    out = [x.shape[i] if (s == 0 and not allowzero) else s for i, s in enumerate(shape)]
    return x.reshape(out)


def run(model, feeds):
    env = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    env.update(feeds)
    for node in model.graph.node:
        op = node.op_type
        ins = [env[n] if n else None for n in node.input]
        a = _attrs(node)
        if op in ("RNN", "GRU", "LSTM"):
            outs = _recurrent(op, node, ins)
        elif op == "Gather":
            outs = [np.take(ins[0], ins[1].astype(np.int64), axis=int(a.get("axis", 0)))]
        elif op == "OneHot":
            idx, depth, vals = ins[0].astype(np.int64), int(np.asarray(ins[1]).reshape(-1)[0]), ins[2]
            idx = np.where(idx < 0, idx + depth, idx)
            hot = (idx[..., None] == np.arange(depth)).astype(vals.dtype)
            outs = [np.where(hot > 0, vals[1], vals[0]).astype(vals.dtype)]
            if int(a.get("axis", -1)) != -1:
                raise ValueError("OneHot axis other than -1 not implemented")
        elif op == "Transpose":
            outs = [np.transpose(ins[0], a.get("perm"))]
        elif op == "Reshape":
            outs = [_reshape(ins[0], ins[1], int(a.get("allowzero", 0)))]
        elif op == "ReduceMean":
            outs = [np.mean(ins[0], axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))]
        elif op == "MatMul":
            outs = [np.matmul(ins[0], ins[1])]
        elif op == "Add":
            outs = [ins[0] + ins[1]]
        elif op == "Gemm":
            A, Bm = ins[0], ins[1]
            if a.get("transA", 0):
                A = A.T
            if a.get("transB", 0):
                Bm = Bm.T
            y = a.get("alpha", 1.0) * (A @ Bm)
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get("beta", 1.0) * ins[2]
            outs = [y]
        elif op == "Identity":
            outs = [ins[0]]
        elif op == "Squeeze":  # axes: an input from opset 13, an attribute before
            axes = ins[1] if len(ins) > 1 else a["axes"]
            outs = [np.squeeze(ins[0], axis=tuple(int(v) for v in axes))]
        elif op == "Unsqueeze":
            y = ins[0]
            axes = ins[1] if len(ins) > 1 else a["axes"]
            for ax in sorted(int(v) for v in axes):
                y = np.expand_dims(y, ax)
            outs = [y]
        elif op == "Shape":
            outs = [np.array(ins[0].shape, np.int64)]
        elif op == "Constant":
            outs = [numpy_helper.to_array(a["value"])]
        elif op == "Concat":
            outs = [np.concatenate(ins, axis=int(a["axis"]))]
        elif op == "ConstantOfShape":
            v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
            outs = [np.full(tuple(int(s) for s in ins[0]), v.reshape(-1)[0], v.dtype)]
        elif op == "Slice":  # starts/ends/axes: inputs from opset 10, attributes in 9
            if len(ins) > 1:
                x, st, en = ins[0], ins[1], ins[2]
                axes = ins[3] if len(ins) > 3 and ins[3] is not None else range(len(st))
            else:
                x, st, en = ins[0], a["starts"], a["ends"]
                axes = a.get("axes", range(len(st)))
            steps = ins[4] if len(ins) > 4 and ins[4] is not None else [1] * len(st)
            sl = [slice(None)] * x.ndim
            for s, e, ax, p in zip(st, en, axes, steps):
                sl[int(ax)] = slice(int(s), int(min(e, 2**62)), int(p))
            outs = [x[tuple(sl)]]
        else:
            raise ValueError("operator %s not implemented" % op)
        for name, v in zip(node.output, outs):
            if name:
                env[name] = v
    return [env[o.name] for o in model.graph.output]
