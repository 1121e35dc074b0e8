#!/usr/bin/env bash
# make_corpus.sh - (re)create the seed corpora in fuzz/corpus/<target>/:
# tiny models and checkpoints trained by the CLI (hidden sizes 2-3), a
# bidirectional dense-input model and a plain model written by Python, the
# JSON headers of those files plus hand-written JSON, text samples, and argv
# examples. Needs build/recur (make) and /usr/bin/python3.
#   bash fuzz/make_corpus.sh
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/recur
C=$ROOT/fuzz/corpus
PY=/usr/bin/python3
mkdir -p "$C"/model "$C"/json "$C"/text "$C"/args "$C"/pairs "$C"/conll
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

# ---- models: checkpoints from the CLI -----------------------------------------
for _ in 1 2 3 4 5 6; do printf 'the cat sat on the mat.\nthe dog ate the hat!\n'; done >corpus.txt
Q=(corpus.txt --seq 4 --batch 2 --val 0 --quiet)
"$BIN" train "${Q[@]}" --model lstm --hidden 3 --layers 1 --steps 2 --save "$C"/model/lstm_ckpt.safetensors
"$BIN" train "${Q[@]}" --model gru --embed 2 --hidden 2 --layers 2 --steps 2 --optim sgd \
    --save "$C"/model/gru_embed_l2_ckpt.safetensors
"$BIN" train "${Q[@]}" --model rnn_relu --hidden 2 --layers 1 --steps 1 --optim rmsprop \
    --save "$C"/model/rnn_relu_ckpt.safetensors
"$BIN" train corpus.txt --seq 4 --batch 2 --val 0.2 --quiet --model rnn --hidden 2 \
    --steps 1 --optim adamw --dropout 0.1 --stateless --save "$C"/model/rnn_tanh_ckpt.safetensors
"$BIN" train "${Q[@]}" --model lstm --hidden 3 --proj 2 --layers 2 --steps 2 \
    --save "$C"/model/lstm_proj_ckpt.safetensors
# recur_model_load reads ONNX files too (through the importer)
"$BIN" export "$C"/model/lstm_ckpt.safetensors --format onnx -o "$C"/model/lstm.onnx

# ---- models written directly: plain, bidirectional dense MSE, unicode vocab ----
"$PY" - "$C"/model <<'PYEOF'
import json, random, struct, sys
out = sys.argv[1]
random.seed(1)

def save(path, meta, tensors):
    header, blobs, off = {"__metadata__": meta}, [], 0
    for name, shape in tensors:
        n = 1
        for d in shape:
            n *= d
        blob = struct.pack("<%df" % n, *[random.uniform(-0.5, 0.5) for _ in range(n)])
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(blob)]}
        blobs.append(blob)
        off += len(blob)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    open(path, "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))

def rnn(cell, gates, layers, inp, hid, bi):
    t = []
    for l in range(layers):
        for sfx in (["", "_reverse"] if bi else [""]):
            width = inp if l == 0 else hid * (2 if bi else 1)
            t += [("rnn.weight_ih_l%d%s" % (l, sfx), [gates * hid, width]),
                  ("rnn.weight_hh_l%d%s" % (l, sfx), [gates * hid, hid]),
                  ("rnn.bias_ih_l%d%s" % (l, sfx), [gates * hid]),
                  ("rnn.bias_hh_l%d%s" % (l, sfx), [gates * hid])]
    return t

def meta(cell, inp, emb, hid, layers, bi, out_size, loss, vocab=None, kind="onehot"):
    m = {"format": "recur", "recur.version": "0.1.0", "cell": cell, "input": kind,
         "input_size": str(inp), "embed_dim": str(emb), "hidden": str(hid),
         "layers": str(layers), "bidirectional": str(bi), "dropout": "0",
         "output_size": str(out_size), "loss": loss}
    if vocab is not None:
        m["vocab"] = vocab
    return m

# a bidirectional GRU over dense features with a mean-squared-error output
save(out + "/gru_dense_bi_mse.safetensors", meta("gru", 3, 0, 2, 1, 1, 2, "mse", kind="dense"),
     rnn("gru", 3, 1, 3, 2, True) + [("fc.weight", [2, 4]), ("fc.bias", [2])])
# a plain LSTM language model over a vocabulary with multi-byte characters
vocab = "\n !é€😀"
V = len(vocab)
save(out + "/lstm_unicode_vocab.safetensors", meta("lstm", V, 0, 2, 2, 0, V, "xent", vocab),
     rnn("lstm", 4, 2, V, 2, False) + [("fc.weight", [V, 2]), ("fc.bias", [V])])
# an embedding RNN whose metadata also carries free-form keys
m = meta("rnn_tanh", 4, 2, 2, 1, 0, 4, "xent", "abcd", kind="embedding")
m["train.note"] = "a \"quoted\" note\twith a tab"
save(out + "/rnn_embed_meta.safetensors", m,
     [("embedding.weight", [4, 2])] + rnn("rnn_tanh", 1, 1, 2, 2, False) +
     [("fc.weight", [4, 2]), ("fc.bias", [4])])
# a reverse GRU language model (ONNX direction="reverse"): runs, never streams
m = meta("gru", 4, 0, 2, 2, 0, 4, "xent", "abcd")
m["reverse"] = "1"
save(out + "/gru_reverse_lm.safetensors", m,
     rnn("gru", 3, 2, 4, 2, False) + [("fc.weight", [4, 2]), ("fc.bias", [4])])
PYEOF

# ---- JSON: the model headers, and hand-written documents ----------------------
for f in "$C"/model/*.safetensors; do
    "$PY" -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); n=struct.unpack("<Q",d[:8])[0]; sys.stdout.buffer.write(d[8:8+n])' \
        "$f" >"$C/json/header_$(basename "$f" .safetensors).json"
done
printf '{"a": [1, -2.5e-3, 1E+2, 0, -0, true, false, null], "b": {"c": "d"}}' >"$C"/json/mixed.json
printf '"\\u00e9\\ud83d\\ude00\\n\\t\\\\\\"\\/ caf\xc3\xa9"' >"$C"/json/escapes.json
printf '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]' >"$C"/json/nested.json
printf '{"n": 9007199254740993, "m": -9223372036854775808, "x": 1.7976931348623157e308}' >"$C"/json/numbers.json
printf '  \t\r\n{ } \n' >"$C"/json/whitespace.json

# ---- text: mode byte (0 own vocabulary, 1 fixed model, 2 vocabulary|text) --------
printf '\000Hello, world!\nA second line.\n' >"$C"/text/plain.txt
printf '\000caf\xc3\xa9 \xe2\x82\xac 10 \xf0\x9f\x98\x80\n' >"$C"/text/unicode.txt
printf '\001It was the best of times, it was the worst of times.\n\tcaf\xc3\xa9 \xe2\x82\xac\n' >"$C"/text/fixed_vocab.txt
printf '\001Zürich {braces} ~tilde\n' >"$C"/text/fixed_vocab_outside.txt
printf '\002abcdefg \n\377bad cafe\n' >"$C"/text/own_vocab.txt
printf '\002\xce\xb1\xce\xb2\xce\xb3\377\xce\xb3\xce\xb1\xce\xb2\xce\xb2' >"$C"/text/greek.txt
head -c 2000 "$ROOT"/data/austen.txt | { printf '\000'; cat; } >"$C"/text/austen.txt

# ---- args: command byte (0 train, 1 sample, 2 eval, 3 info, 4 export, 5 grad-report,
# 6 classify, 7 forecast, 8 seq2seq, 9 import, 10 tag; a subcommand is the first argument), argv split on NUL
# The first argument is the command byte as a printf escape ('\001').
# shellcheck disable=SC2059
a() { local f=$1; shift; { printf "$1"; shift; printf '%s\0' "$@"; } >"$C/args/$f"; }
a train_full '\000' corpus.txt --model gru --hidden 64 --layers=2 --embed 8 --dropout 0.1 \
    --seq 50 --batch 16 --epochs 3 --optim adamw --lr 1e-3 --clip 1 --lr-decay 0.9 \
    --lr-decay-after 2 --val 0.1 --seed 42 --threads 1 --save m.safetensors \
    --checkpoint-every 10 --log l.csv --eval-every 5 --stateless --sample 20 --quiet
a train_aliases '\000' --rnn-size 32 --num-layers 1 --seq-length 10 --batch-size 4 \
    --max-epochs 2 --learning-rate 0.01 --grad-clip 0 --val-frac 0 --checkpoint x.st --resume
a train_bad '\000' --lr nan --hidden 1e999 --seed -1 --steps 99999999999999999999
a train_help '\000' --help
a sample '\001' m.safetensors --prime 'It is' --length 1000 --temperature 0.8 --top-k 5 --seed 7 --greedy
a sample_bad '\001' m.safetensors --length -1 --temperature inf
a eval '\002' m.safetensors t.txt --seq 100 --batch 32
a eval_dashdash '\002' -- -m.safetensors -t.txt
a info '\003' m.safetensors
a info_extra '\003' m.safetensors extra --
a export '\004' m.safetensors --format csv -o out.csv
a export_bad '\004' m.safetensors --format=xml --output ''
a export_stdout '\004' m.safetensors --output - -o
a grad_report '\005' m.safetensors t.txt --seq-len 50 --batch 8 --compare a.st,b.st \
    --csv g.csv --svg g.svg --threshold 1e-4 --threads 1
a grad_report_bad '\005' m.safetensors --compare , --threshold 1
a classify_train '\006' train d.tsv --save c.st --test t.tsv --cell lstm --hidden 16 \
    --layers 2 --bidirectional --readout mean --embed 8 --dropout 0.1 --epochs 3 --batch 8 \
    --optim sgd --lr 0.1 --clip 1 --max-len 50 --min-char-count 1 --alpha 0.5 --seed 3 \
    --time-limit 9 --threads 1 --resume --log l.csv --raw --header --quiet --bucket
a classify_train_bad '\006' train d.tsv --test t.tsv --test-split 0.1 --readout max
a classify_eval '\006' eval c.st d.tsv --max-len 10 --batch 4 --threads 1 --raw --header
a classify_predict '\006' predict c.st - --prob --max-len 10 --batch 4 --threads 1 --raw
a classify_baseline '\006' baseline d.tsv --test-split 0.3 --seed 2 --alpha 2 --max-len 0
a classify_none '\006'
a classify_help '\006' --help
a forecast_train '\007' train s.csv --column 2 --test 24 --window 6 --season 12 \
    --season-input --log --diff 1 --many-to-many --scale zscore --cell gru --hidden 8 \
    --layers 2 --init pytorch --epochs 5 --optim rmsprop --lr 0.003 --clip 0 --batch 4 \
    --seed 9 --threads 1 --time-limit 2 --csv f.csv --svg f.svg --history 10 \
    --save f.st --quiet
a forecast_train_bad '\007' train s.csv --test 0 --scale log --cell cnn
a forecast_predict '\007' predict f.st s.csv --horizon 24 --column value --csv p.csv \
    --svg p.svg --history 48 --threads 2
a forecast_unknown '\007' fit s.csv
a forecast_train_es_missing '\007' train s.csv --es --missing interpolate --window 6
a forecast_predict_missing '\007' predict m.st s.csv --missing drop
a forecast_train_bad_missing '\007' train s.csv --missing zero
a seq2seq_train '\010' train p.tsv --model gru --hidden 16 --layers 1 --embed 8 \
    --bidirectional --dropout 0.1 --src-tokens words --tgt-tokens chars --batch 8 \
    --epochs 2 --steps 10 --time-limit 5 --optim adam --lr 0.01 --lr-decay 0.9 --clip 1 \
    --val 0.1 --seed 4 --threads 1 --save s.st --checkpoint-every 5 --resume --beam 3 \
    --max-len 20 --eval-max 10 --show 2 --quiet
a seq2seq_eval '\010' eval s.st p.tsv --beam 2 --max-len 9 --val 0.5 --seed 1 --max 5 \
    --baseline copy --show 1
a seq2seq_translate '\010' translate s.st --beam 1 --sample --temperature 0.5 --count 2 \
    --seed 7 --max-len 30 --input in.txt
a seq2seq_bad '\010' train p.tsv --src-tokens bytes --val 1
a tag_train '\012' train b.tsv --save t.st --test-every 5 --min-count 1 --cell gru --embed 8 \
    --hidden 8 --layers 2 --dropout 0.1 --lr 0.01 --lr-decay 0.5 --clip 1 --batch 4 \
    --max-len 50 --no-bucket --epochs 2 --steps 9 --time-limit 3 --resume --no-baseline \
    --seed 2 --threads 1 --quiet
a tag_train_bad '\012' train b.tsv --test t.tsv --test-every 3 --cell cnn --dropout 1
a tag_eval '\012' eval t.st b.tsv --test-every 10 --baseline --train b.tsv --batch 8 --threads 1
a tag_predict '\012' predict t.st - --batch 2 --threads 2
a tag_none '\012'
# ---- sequence pairs: byte 0 = flags (1 need target, 2 source words, 4 target
# words), then the TSV; a few real lines of the bundled data sets ----------------
mkdir -p "$C"/pairs
printf '\005' >"$C"/pairs/cmudict_words; head -n 20 "$ROOT"/data/cmudict-g2p.tsv >>"$C"/pairs/cmudict_words
printf '\001' >"$C"/pairs/de_en_chars; head -n 10 "$ROOT"/data/de-en.tsv >>"$C"/pairs/de_en_chars
printf '\007' >"$C"/pairs/udhr_words; head -n 10 "$ROOT"/data/udhr-words.tsv >>"$C"/pairs/udhr_words
printf '\001abc\tcba\r\n\nx y\t  z  \nlast\tline' >"$C"/pairs/crlf_blank_nofinal
printf '\000one\ntwo\tzwei\n\xc3\xa9t\xc3\xa9\n' >"$C"/pairs/sources_alone
printf '\007a <unk> b\t<s> </s> <unk>\n' >"$C"/pairs/special_names
printf '\001abc\tcba\na\tb\tc\n' >"$C"/pairs/two_tabs
printf '\001abc\t   \n' >"$C"/pairs/space_target
printf '\001ab\xffc\tx\n' >"$C"/pairs/bad_utf8

# ---- tagged sentences: byte 0 = flags (1 untagged), then WORD<TAB>TAG lines ----
printf '\000' >"$C"/conll/brown_head; head -c 3000 "$ROOT"/data/brown_pos.tsv >>"$C"/conll/brown_head
printf '\000The\tat\nFulton\tnp-tl\nCounty\tnn-tl\nsaid\tvbd\n.\t.\n\nThe\tat\njury\tnn\nsaid\tvbd\n1960s\tnns\nwell-known\tjj\n.\t.\n' >"$C"/conll/brown_like
printf '\000a\tDT\r\nrun\tNN\r\n\r\n  \nrun\tVB\nfast\tRB\n' >"$C"/conll/crlf_blank
printf '\001The\nFulton\tignored\n\nU.S.\nhappiness\n' >"$C"/conll/untagged
printf '\000caf\xc3\xa9\tnn\n<unk>\tnn\n<unk-s>\tnns\n\xe2\x80\x9c\t``\n' >"$C"/conll/utf8_unk_words
printf '\000a\tb\tc\n' >"$C"/conll/bad_two_tabs
printf '\000word\n' >"$C"/conll/bad_no_tab

echo "seeds: $(ls "$C"/model | wc -l) model, $(ls "$C"/json | wc -l) json, $(ls "$C"/text | wc -l) text, $(ls "$C"/args | wc -l) args, $(ls "$C"/pairs | wc -l) pairs, $(ls "$C"/conll | wc -l) conll"
