#!/usr/bin/python3
"""Export a PyTorch RNN/LSTM/GRU model to a recur model file (safetensors).

recur runs  [nn.Embedding] -> nn.RNN (tanh or relu) | nn.LSTM | nn.GRU
(any number of layers, bidirectional or not) -> [nn.Linear] at every time
step. A PyTorch model of that shape, whatever its submodules are called,
exports to one .safetensors file holding recur's tensor names
(embedding.weight, rnn.weight_ih_l0[_reverse], ..., fc.weight, fc.bias) and
the architecture in __metadata__, which `recur info`, `recur sample` (with a
vocabulary), recur_model_load, recur_forward and recur_state_step read. The file
is written here (8-byte little-endian header length, JSON header, raw
little-endian float32 data), atomically; only Debian's python3-torch is
needed (/usr/bin/python3).

As a module:

    import sys; sys.path.insert(0, "tools")
    from export_pytorch import export
    export(model, "model.safetensors")                 # an nn.Module
    export(nn.LSTM(8, 32, 2), "encoder.safetensors")   # no Linear: an encoder whose
                                                       # outputs are the top layer's states
    export(model, "lm.safetensors", vocab=chars)       # a character LM: chars[i] is token i
    export({"embedding": emb, "rnn": lstm, "fc": linear}, "m.safetensors")
    export(model.state_dict(), "m.safetensors", nonlinearity="relu")
    export(model, "plain.safetensors", plain=True)     # PyTorch names, no recur metadata

From the command line, on a file written by torch.save(model.state_dict())
or torch.save(model) (the model's class must then be importable):

    /usr/bin/python3 tools/export_pytorch.py MODEL.pt OUT.safetensors
        [--vocab TEXT | --vocab-from-text FILE] [--input dense|onehot]
        [--loss xent|mse] [--nonlinearity tanh|relu] [--plain]

Options (keyword arguments of export()):
  vocab          the characters of a text model in token order (strictly
                 increasing code points, as recur builds them:
                 --vocab-from-text takes the sorted set of a file's characters);
                 needed by `recur sample`, not by recur_forward/recur_state_step
  input          without an Embedding the RNN reads "dense" features (the
                 default) or "onehot" token ids of input_size classes
  loss           recorded for recur: "xent" (default for token input) or "mse"
  nonlinearity   for a state_dict only (a module knows its own): tanh or relu
  plain          write the model's own state_dict names and no recur
                 architecture metadata, as other tools do (recur infers the
                 architecture from names and shapes; relu is recorded as
                 metadata cell = rnn_relu)

The exporter assumes the module's forward is embedding -> rnn -> linear on
every step (what recur computes); it cannot see the forward code. Without
an nn.Linear the model is an encoder (recur's output_size 0): recur_forward
gives the recurrent module's output, as PyTorch's rnn(x)[0]. It refuses
what recur cannot represent, with a message: an Embedding with max_norm, more than one recurrent module, Linear or Embedding, any
other parameterised module, shapes that do not chain, sizes beyond recur's
limits, non-finite weights. An LSTM's proj_size is kept (recur's proj,
weight_hr_l* as they are). bias=False (recurrent or Linear) is written as
zero biases, which is exact. float64/float16 weights are rounded to float32.
"""

import argparse
import array
import json
import math
import os
import re
import sys
from collections import OrderedDict

import torch
import torch.nn as nn

MAX_WIDTH = 65536  # recur's RECUR_MAX_WIDTH
MAX_VOCAB = 65536
MAX_LAYERS = 16
CELLS = {"RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu", "LSTM": "lstm", "GRU": "gru"}
GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}
RECURRENT = re.compile(r"^(weight|bias)_(ih|hh|hr)_l(0|[1-9][0-9]*)(_reverse)?$")


class ExportError(ValueError):
    """The model cannot be represented in recur (the message says why)."""


# ---- finding the parts ---------------------------------------------------------

class Parts:
    """The embedding (or None), the recurrent module and the Linear, with the
    state_dict prefixes they had in the exported object ("lstm.", "")."""

    def __init__(self, emb, rnn, fc, names):
        self.emb, self.rnn, self.fc, self.names = emb, rnn, fc, names


def _parts_of_module(model):
    found = {"emb": [], "rnn": [], "fc": []}
    owned = set()
    for name, mod in model.named_modules():
        if isinstance(mod, (nn.RNN, nn.LSTM, nn.GRU)):
            found["rnn"].append((name, mod))
        elif isinstance(mod, nn.RNNBase):
            raise ExportError("module '%s' is a %s, which recur does not support"
                              % (name, type(mod).__name__))
        elif type(mod) is nn.Embedding:
            found["emb"].append((name, mod))
        elif type(mod) is nn.Linear:
            found["fc"].append((name, mod))
        else:
            continue
        owned.update(id(p) for p in mod.parameters())
    for pname, p in model.named_parameters():
        if id(p) not in owned:
            owner = pname.rsplit(".", 1)[0] if "." in pname else "(the model itself)"
            mod = model.get_submodule(owner) if "." in pname else model
            raise ExportError("parameter '%s' belongs to %s (%s), which recur cannot "
                              "represent: recur models are [Embedding] -> RNN/LSTM/GRU "
                              "-> Linear" % (pname, owner, type(mod).__name__))
    for kind, what in (("rnn", "recurrent modules (nn.RNN/LSTM/GRU)"),
                       ("fc", "nn.Linear modules"), ("emb", "nn.Embedding modules")):
        if len(found[kind]) > 1:
            raise ExportError("the model has %d %s: %s; recur holds one"
                              % (len(found[kind]), what,
                                 ", ".join("'%s'" % n for n, _ in found[kind])))
    if not found["rnn"]:
        raise ExportError("the model has no nn.RNN, nn.LSTM or nn.GRU")
    pick = {k: (v[0] if v else ("", None)) for k, v in found.items()}
    prefix = {k: (n + "." if n else "") for k, (n, _) in pick.items()}
    return Parts(pick["emb"][1], pick["rnn"][1], pick["fc"][1], prefix)


def _parts_of_dict(d):
    emb, rnn, fc = d.get("embedding"), d.get("rnn"), d.get("fc")
    extra = set(d) - {"embedding", "rnn", "fc"}
    if extra:
        raise ExportError("unknown part(s) %s: give 'embedding' (optional), 'rnn' "
                          "and 'fc'" % ", ".join(sorted(map(repr, extra))))
    if not isinstance(rnn, (nn.RNN, nn.LSTM, nn.GRU)):
        raise ExportError("part 'rnn' must be an nn.RNN, nn.LSTM or nn.GRU, not %s"
                          % type(rnn).__name__)
    if fc is not None and type(fc) is not nn.Linear:
        raise ExportError("part 'fc' must be an nn.Linear, not %s" % type(fc).__name__)
    if emb is not None and type(emb) is not nn.Embedding:
        raise ExportError("part 'embedding' must be an nn.Embedding, not %s"
                          % type(emb).__name__)
    return Parts(emb, rnn, fc, {"emb": "embedding.", "rnn": "rnn.", "fc": "fc."})


def _parts_of_state_dict(sd, nonlinearity):
    """Rebuild the modules from a state_dict's names and shapes (the rules of
    recur's own loader, src/nn/model_infer.c), then load the tensors into them."""
    rnn_prefix, groups = None, OrderedDict()
    for name, t in sd.items():
        if not torch.is_tensor(t):
            raise ExportError("state_dict entry '%s' is not a tensor" % name)
        prefix, _, attr = name.rpartition(".")
        prefix = prefix + "." if prefix else ""
        if RECURRENT.match(attr):
            if rnn_prefix is not None and prefix != rnn_prefix:
                raise ExportError("recurrent tensors of two modules ('%s' and '%s'): "
                                  "recur holds one recurrent stack" % (rnn_prefix, prefix))
            rnn_prefix = prefix
        elif attr in ("weight", "bias"):
            groups.setdefault(prefix, {})[attr] = t
        else:
            raise ExportError("unexpected tensor '%s' (neither an RNN/LSTM/GRU, "
                              "Embedding nor Linear parameter)" % name)
    if rnn_prefix is None:
        raise ExportError("no recurrent tensors ('...weight_ih_l0') in the state_dict")
    rsd = {k[len(rnn_prefix):]: v for k, v in sd.items()
           if k.startswith(rnn_prefix) and RECURRENT.match(k[len(rnn_prefix):])}
    hh, ih = rsd.get("weight_hh_l0"), rsd.get("weight_ih_l0")
    if hh is None or ih is None or hh.dim() != 2 or ih.dim() != 2:
        raise ExportError("'%sweight_ih_l0' and '%sweight_hh_l0' must both be matrices"
                          % (rnn_prefix, rnn_prefix))
    hr = rsd.get("weight_hr_l0")  # an LSTM projection: [proj, hidden]
    if hr is not None and hr.dim() != 2:
        raise ExportError("'%sweight_hr_l0' must be a matrix" % rnn_prefix)
    P = hr.shape[0] if hr is not None else 0
    H = hr.shape[1] if hr is not None else hh.shape[1]
    G = hh.shape[0] // H if H and hh.shape[0] % H == 0 else 0
    if P and (G != 4 or not 0 < P < H):
        raise ExportError("'%sweight_hr_l0' %s is not the projection of an LSTM of "
                          "'%sweight_hh_l0' %s" % (rnn_prefix, list(hr.shape), rnn_prefix,
                                                   list(hh.shape)))
    if G not in (1, 3, 4):
        raise ExportError("'%sweight_hh_l0' has shape %s: not 1, 3 or 4 gates of %d"
                          % (rnn_prefix, list(hh.shape), H))
    layers = 1 + max(int(RECURRENT.match(k).group(3)) for k in rsd)
    bi = any(k.endswith("_reverse") for k in rsd)
    bias = any(k.startswith("bias_") for k in rsd)
    lstm_kw = {"proj_size": P} if P else {}
    if G == 1:
        if nonlinearity not in (None, "tanh", "relu"):
            raise ExportError("nonlinearity must be tanh or relu")
        rnn = nn.RNN(ih.shape[1], H, layers, nonlinearity=nonlinearity or "tanh",
                     bias=bias, bidirectional=bi)
    else:
        if nonlinearity not in (None, "tanh"):
            raise ExportError("nonlinearity %s given for a %s" % (nonlinearity,
                                                                 "LSTM" if G == 4 else "GRU"))
        rnn = (nn.LSTM if G == 4 else nn.GRU)(ih.shape[1], H, layers, bias=bias,
                                              bidirectional=bi, **lstm_kw)
    try:
        rnn.load_state_dict(rsd, strict=True)
    except RuntimeError as e:
        raise ExportError("the recurrent tensors do not form one %s: %s"
                          % (type(rnn).__name__, " ".join(str(e).split())))
    DH, I0 = (P or H) * (2 if bi else 1), ih.shape[1]

    def linear_ok(g):
        w, b = g.get("weight"), g.get("bias")
        return (w is not None and w.dim() == 2 and w.shape[1] == DH and
                (b is None or (b.dim() == 1 and b.shape[0] == w.shape[0])))

    def emb_ok(g):
        w = g.get("weight")
        return w is not None and "bias" not in g and w.dim() == 2 and w.shape[1] == I0

    names = list(groups)
    emb_name = fc_name = None
    found = not names  # no other tensors: an encoder
    if len(names) == 1:
        lin, em = linear_ok(groups[names[0]]), emb_ok(groups[names[0]])
        if lin and em:
            lin, em = "emb" not in names[0], "emb" in names[0]
        fc_name = names[0] if lin else None
        emb_name = names[0] if em else None
        found = lin or em
    elif len(names) == 2:
        a = emb_ok(groups[names[0]]) and linear_ok(groups[names[1]])
        b = emb_ok(groups[names[1]]) and linear_ok(groups[names[0]])
        if a and b:
            a = "emb" in names[0] and "emb" not in names[1]
            b = "emb" in names[1] and "emb" not in names[0]
        if a != b:
            emb_name, fc_name = (names[0], names[1]) if a else (names[1], names[0])
            found = True
    if not found:
        raise ExportError("cannot find at most one Linear [outputs, %d] and one "
                          "Embedding [ids, %d] among %s" % (DH, I0, ", ".join(
                              "'%sweight' %s" % (n, list(groups[n]["weight"].shape))
                              if "weight" in groups[n] else "'%sbias'" % n
                              for n in names)))
    fc = None
    if fc_name is not None:
        g = groups[fc_name]
        fc = nn.Linear(DH, g["weight"].shape[0], bias="bias" in g)
        fc.load_state_dict(g)
    emb = None
    if emb_name is not None:
        w = groups[emb_name]["weight"]
        emb = nn.Embedding(w.shape[0], w.shape[1])
        emb.load_state_dict(groups[emb_name])
    return Parts(emb, rnn, fc, {"emb": emb_name or "", "rnn": rnn_prefix,
                                "fc": fc_name or ""})


def find_parts(obj, nonlinearity=None):
    """The Parts of an nn.Module, a {'embedding','rnn','fc'} dict of modules
    ('embedding' and 'fc' optional), or a state_dict (name -> tensor)."""
    if isinstance(obj, nn.Module):
        if nonlinearity is not None:
            raise ExportError("nonlinearity is for state_dicts: a module knows its own")
        return _parts_of_module(obj)
    if isinstance(obj, dict) and obj and all(torch.is_tensor(v) for v in obj.values()):
        return _parts_of_state_dict(obj, nonlinearity)
    if isinstance(obj, dict):
        return _parts_of_dict(obj)
    raise ExportError("cannot export a %s: give an nn.Module, a state_dict or "
                      "{'embedding': ..., 'rnn': ..., 'fc': ...}" % type(obj).__name__)


# ---- checking and converting ---------------------------------------------------

def _f32(name, t):
    t = t.detach().to("cpu", torch.float32).contiguous()
    if not bool(torch.isfinite(t).all()):
        raise ExportError("tensor '%s' holds NaN or infinite values" % name)
    return t


def _limit(what, n, hi=MAX_WIDTH):
    if not 1 <= n <= hi:
        raise ExportError("%s %d is outside recur's limits 1..%d" % (what, n, hi))


def recur_tensors(parts, input="dense"):
    """(config metadata, OrderedDict of recur name -> float32 tensor)."""
    rnn, fc, emb = parts.rnn, parts.fc, parts.emb
    cell = CELLS.get(rnn.mode)
    if cell is None:
        raise ExportError("unsupported recurrent mode %s" % rnn.mode)
    H, L, D = rnn.hidden_size, rnn.num_layers, 2 if rnn.bidirectional else 1
    P = getattr(rnn, "proj_size", 0)  # an LSTM's projection, 0: none
    R = P or H  # the width of each direction's output
    _limit("hidden size", H)
    _limit("layer count", L, MAX_LAYERS)
    _limit("input size", rnn.input_size)
    if not 0 <= rnn.dropout < 1:
        raise ExportError("dropout %g is outside [0, 1)" % rnn.dropout)
    if fc is not None and fc.in_features != R * D:
        raise ExportError("the Linear reads %d features but the %s gives %d "
                          "(%s %d x %d direction(s))"
                          % (fc.in_features, type(rnn).__name__, R * D,
                             "proj_size" if P else "hidden", R, D))
    if fc is not None:
        _limit("output size", fc.out_features)
    meta = OrderedDict(format="recur", cell=cell)
    if emb is not None:
        if emb.max_norm is not None:
            raise ExportError("the Embedding has max_norm=%g, which renormalises rows "
                              "at lookup: recur cannot do that" % emb.max_norm)
        if emb.embedding_dim != rnn.input_size:
            raise ExportError("the Embedding gives %d features but the %s reads %d"
                              % (emb.embedding_dim, type(rnn).__name__, rnn.input_size))
        _limit("embedding count", emb.num_embeddings, MAX_VOCAB)
        meta.update(input="embedding", input_size=emb.num_embeddings,
                    embed_dim=emb.embedding_dim)
    elif input in ("dense", "onehot"):
        meta.update(input=input, input_size=rnn.input_size)
    else:
        raise ExportError("input must be dense or onehot (got %r)" % (input,))
    meta.update(hidden=H, layers=L, bidirectional=int(D == 2),
                dropout=repr(float(rnn.dropout)),
                output_size=fc.out_features if fc is not None else 0,
                readout="sequence")
    if P:
        meta.update(proj=P)

    tensors = OrderedDict()
    if emb is not None:
        tensors["embedding.weight"] = _f32("embedding.weight", emb.weight)
    GH = GATES[cell] * H
    for l in range(L):
        for d in range(D):
            sfx = "_l%d%s" % (l, "_reverse" if d else "")
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh") + \
                    (("weight_hr",) if P else ()):
                name = "rnn." + kind + sfx
                t = getattr(rnn, kind + sfx, None)  # None: bias=False
                tensors[name] = _f32(name, t) if t is not None else torch.zeros(GH)
    if fc is not None:
        tensors["fc.weight"] = _f32("fc.weight", fc.weight)
        tensors["fc.bias"] = (_f32("fc.bias", fc.bias) if fc.bias is not None
                              else torch.zeros(fc.out_features))
    return meta, tensors


def _check_vocab(vocab, meta):
    if meta["input"] == "dense":
        raise ExportError("a dense-input model has no vocabulary")
    if len(vocab) != meta["input_size"]:
        raise ExportError("vocabulary of %d characters for a model with %d token ids"
                          % (len(vocab), meta["input_size"]))
    cps = [ord(ch) for ch in vocab]
    if cps[0] == 0 or any(b <= a for a, b in zip(cps, cps[1:])):
        raise ExportError("the vocabulary must be distinct characters (no NUL) in "
                          "increasing code-point order, as recur builds it from a text")
    return vocab


# ---- writing -----------------------------------------------------------------------

def _raw_f32(t):
    a = array.array("f", t.reshape(-1).tolist())
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


def write_safetensors(path, tensors, metadata):
    """Write name -> float32 tensor and string metadata as safetensors:
    8-byte little-endian header length, JSON header padded with spaces to a
    multiple of 8, raw little-endian F32 data; atomically (temp + rename)."""
    header, blobs, off = OrderedDict(), [], 0
    if metadata:
        header["__metadata__"] = OrderedDict((str(k), str(v)) for k, v in metadata.items())
    for name, t in tensors.items():
        blob = _raw_f32(t)
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [off, off + len(blob)]}
        blobs.append(blob)
        off += len(blob)
    h = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    try:
        with open(tmp, "wb") as f:
            f.write(len(h).to_bytes(8, "little"))
            f.write(h)
            for b in blobs:
                f.write(b)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def export(module_or_parts, path, vocab=None, input="dense", loss=None,
           nonlinearity=None, plain=False, metadata=None):
    """Export to `path`; returns the metadata written. See the module's
    docstring for the arguments. Raises ExportError for what recur cannot
    represent."""
    parts = find_parts(module_or_parts, nonlinearity)
    meta, tensors = recur_tensors(parts, input)
    if plain:
        if vocab is not None or loss is not None:
            raise ExportError("a plain file carries no vocabulary or loss: leave "
                              "plain off to write recur's metadata")
        out = OrderedDict()
        sources = [("emb", parts.emb), ("rnn", parts.rnn), ("fc", parts.fc)]
        for key, mod in sources:
            if mod is None:
                continue
            for name, p in mod.named_parameters(recurse=False):
                out[parts.names[key] + name] = _f32(name, p)
        plain_meta = OrderedDict(format="pt")
        if meta["cell"] == "rnn_relu":  # names and shapes cannot say relu
            plain_meta["cell"] = "rnn_relu"
        write_safetensors(path, out, plain_meta)
        return plain_meta
    token_input = meta["input"] != "dense"
    if loss is None:
        loss = "xent" if token_input and parts.fc is not None else "mse"
    if loss not in ("xent", "mse"):
        raise ExportError("loss must be xent or mse (got %r)" % (loss,))
    meta["loss"] = loss
    if vocab is not None:
        meta["vocab"] = _check_vocab(vocab, meta)
    meta["exported_by"] = "tools/export_pytorch.py, torch %s" % torch.__version__
    for k, v in (metadata or {}).items():
        if k in meta:
            raise ExportError("metadata key '%s' is recur's own" % k)
        meta[k] = v
    write_safetensors(path, tensors, meta)
    return meta


# ---- command line ------------------------------------------------------------

def _load(path):
    try:
        obj = torch.load(path, map_location="cpu")
    except (AttributeError, ModuleNotFoundError) as e:
        # torch.save(model) pickles the module by its class's import path:
        # unpickling needs that class importable here.
        raise SystemExit("export_pytorch: %s holds a whole pickled model whose class "
                         "cannot be found here (%s): run this from where the class is "
                         "importable (PYTHONPATH), or save model.state_dict() instead"
                         % (path, e))
    if isinstance(obj, dict) and not isinstance(obj, nn.Module):
        for key in ("state_dict", "model_state_dict", "model"):
            if key in obj and isinstance(obj[key], (dict, nn.Module)) and \
                    not torch.is_tensor(obj.get(key)):
                obj = obj[key]
                break
    return obj


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="export_pytorch.py",
        description="Export a PyTorch [Embedding ->] RNN/LSTM/GRU [-> Linear] model "
                    "(a torch.save'd state_dict or module) to a recur .safetensors file.")
    ap.add_argument("model", help="file written by torch.save(model.state_dict()) "
                                  "or torch.save(model)")
    ap.add_argument("out", help="the .safetensors file to write")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--vocab", help="the characters of token ids 0, 1, ... in order")
    g.add_argument("--vocab-from-text", metavar="FILE",
                   help="vocabulary = the sorted set of characters of a UTF-8 file "
                        "(how recur train builds it)")
    ap.add_argument("--input", choices=("dense", "onehot"), default="dense",
                    help="input without an Embedding (default dense)")
    ap.add_argument("--loss", choices=("xent", "mse"))
    ap.add_argument("--nonlinearity", choices=("tanh", "relu"),
                    help="for a plain RNN state_dict (default tanh)")
    ap.add_argument("--plain", action="store_true",
                    help="keep the state_dict names, write no recur metadata")
    a = ap.parse_args(argv)
    try:
        vocab = a.vocab
        if a.vocab_from_text:
            with open(a.vocab_from_text, encoding="utf-8") as f:
                vocab = "".join(sorted(set(f.read())))
        meta = export(_load(a.model), a.out, vocab=vocab, input=a.input, loss=a.loss,
                      nonlinearity=a.nonlinearity, plain=a.plain)
    except (ExportError, OSError, UnicodeDecodeError, RuntimeError,
            AttributeError, EOFError) as e:
        print("export_pytorch.py: %s" % " ".join(str(e).split()), file=sys.stderr)
        return 1
    desc = ", ".join("%s=%s" % (k, v) for k, v in meta.items()
                     if k in ("cell", "input", "hidden", "proj", "layers",
                              "bidirectional", "output_size"))
    print("wrote %s (%s)" % (a.out, desc or "plain"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
