#!/usr/bin/env bash
# cli_test.sh - end-to-end tests of the recur command-line tool.
#   bash tests/cli_test.sh [path/to/recur]      (default build/recur)
# Runs quick real cases on tiny models in a temporary directory, prints
# "ok" or "FAIL" per case and a final "cli_test: N passed, N failed" line;
# the exit status is non-zero if any case failed.
# check() evaluates conditions given in single quotes on purpose:
# shellcheck disable=SC2016
set -u

. "$(dirname "$0")/cli_lib.sh"
cli_setup cli_test "${1:-}"
CORPUS=$ROOT/data/austen.txt

TINY=(--hidden 32 --layers 1 --seq 32 --batch 8)

# ---- help and version ------------------------------------------------------
expect_ok "--help exits 0" --help
check "--help lists the commands" 'grep -q train out && grep -q sample out'
expect_ok "--version exits 0" --version
check "--version prints the version" "grep -Eq '^recur [0-9]+\.[0-9]+\.[0-9]+\$' out" "$(cat out)"
expect_ok "train --help exits 0" train --help
check "train --help lists --lr with its default" 'grep -q -- "--lr RATE" out && grep -q "default 2e-3" out'
expect_ok "help sample exits 0" help sample
check "help sample lists --temperature" 'grep -q -- --temperature out'
expect_fail "unknown command" 2 "unknown command 'frobnicate'" frobnicate
expect_fail "no command" 2 "" </dev/null

# ---- training ------------------------------------------------------------------
head -c 20000 "$CORPUS" >small.txt
expect_ok "train a tiny LSTM for 30 steps" train small.txt "${TINY[@]}" --steps 30 \
    --save m.safetensors --log log.csv --eval-every 10 --quiet
if [ -s m.safetensors ]; then ok "train saves the model"; else bad "train saves the model"; fi
if [ -f log.csv ] && [ "$(head -n 1 log.csv)" = \
    "step,epoch,tokens_seen,elapsed_s,loss,accuracy,grad_norm,lr,val_loss,val_bpc" ] &&
    [ "$(wc -l <log.csv)" -eq 31 ]; then
    ok "log CSV has a header and one row per step"
else
    bad "log CSV has a header and one row per step" "$(head -n 2 log.csv 2>&1)"
fi
first=$(awk -F, 'NR == 2 { print $5 }' log.csv)
last=$(awk -F, 'END { print $5 }' log.csv)
if awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a) }'; then
    ok "loss decreases ($first -> $last)"
else
    bad "loss decreases" "$first -> $last"
fi
if awk -F, 'END { exit !($9 != "" && $10 != "") }' log.csv; then
    ok "the last log row has val_loss and val_bpc"
else
    bad "the last log row has val_loss and val_bpc" "$(tail -n 1 log.csv)"
fi
evals=$(awk -F, 'NR > 1 && $9 != "" { printf "%s ", $1 }' log.csv)
check "--eval-every 10: validation on steps 10, 20, 30" '[ "$evals" = "10 20 30 " ]' "$evals"
check "--quiet prints just the summary" '[ "$(wc -l <err)" -eq 1 ] && grep -q val_bpc err && grep -q m.safetensors err' "$(cat err)"

expect_ok "train a GRU with embedding, dropout, stateless, sgd" train small.txt \
    --model gru --embed 8 --dropout 0.1 --stateless --optim sgd --lr 0.5 \
    "${TINY[@]}" --steps 5 --save gru.safetensors --sample 20 --quiet
if [ "$(wc -c <out)" -ge 20 ]; then ok "train --sample prints text"; else bad "train --sample prints text"; fi

# ---- an LSTM with a projection (PyTorch's proj_size) ------------------------------
expect_ok "train an LSTM with --proj" train small.txt --hidden 32 --proj 8 --layers 2 \
    --seq 32 --batch 8 --steps 60 --save proj.safetensors --log proj.csv --quiet
first=$(sed -n 2p proj.csv 2>/dev/null | cut -d, -f5)
last=$(tail -n 1 proj.csv 2>/dev/null | cut -d, -f5)
check "--proj: the loss falls ($first -> $last)" \
    'awk -v a="$first" -v b="$last" "BEGIN { exit !(b < a - 0.3) }"'
expect_ok "info of a projected LSTM" info proj.safetensors
check "info shows the projection and its tensors" \
    'grep -q "32 projected to 8" out && grep -q "(None, None, 8)" out && grep -q "rnn.weight_hr_l1 *\[8, 32\]" out' \
    "$(head -n 8 out)"
expect_ok "sample a projected LSTM" sample proj.safetensors --prime "It" --length 20 --seed 1
expect_ok "export a projected LSTM as JSON" export proj.safetensors --format json -o proj.json
check "the JSON names the projection" 'grep -q "\"proj\": 8," proj.json'
expect_ok "eval a projected LSTM" eval proj.safetensors small.txt --seq 32 --batch 4
expect_fail "resume a projected LSTM without --proj" 1 "projected model" train small.txt \
    --hidden 32 --layers 2 --seq 32 --batch 8 --steps 61 --save proj.safetensors --resume
expect_fail "ONNX export refuses a projection" 1 "ONNX LSTM operator has no projection" \
    export proj.safetensors --format onnx -o proj.onnx
check "the refused export writes no file" '[ ! -e proj.onnx ]'
expect_fail "--proj with a GRU" 2 "--proj is for --model lstm" train small.txt --model gru \
    --proj 4 --steps 1 --save x.safetensors
expect_fail "--proj not below --hidden" 2 "must be below --hidden" train small.txt \
    --hidden 8 --proj 8 --steps 1 --save x.safetensors

# ---- sample ------------------------------------------------------------------------
r sample m.safetensors --prime "It is" --length 100 --seed 1
cp out s1.txt
r sample m.safetensors --prime "It is" --length 100 --seed 1
cp out s2.txt
r sample m.safetensors --prime "It is" --length 100 --seed 2
cp out s3.txt
if [ "$RC" -eq 0 ] && cmp -s s1.txt s2.txt; then
    ok "sample: same seed, same text"
else
    bad "sample: same seed, same text"
fi
if ! cmp -s s1.txt s3.txt; then ok "sample: another seed, other text"; else bad "sample: another seed, other text"; fi
if [ "$(head -c 5 s1.txt)" = "It is" ] && [ "$(wc -l <s1.txt)" -ge 1 ]; then
    ok "sample prints the prime first"
else
    bad "sample prints the prime first" "$(head -c 40 s1.txt)"
fi
expect_ok "sample --greedy" sample m.safetensors --prime "The" --length 50 --greedy
if [ "$(head -c 3 out)" = "The" ]; then ok "sample --greedy output"; else bad "sample --greedy output"; fi
expect_ok "sample --top-k --temperature" sample m.safetensors --length 30 --top-k 5 --temperature 0.7

# ---- eval and info -----------------------------------------------------------------
expect_ok "eval" eval m.safetensors small.txt --seq 50 --batch 4
if grep -Eq '^bpc: +[0-9]+\.[0-9]+' out && grep -q perplexity out; then
    ok "eval prints bpc and perplexity"
else
    bad "eval prints bpc and perplexity" "$(cat out)"
fi
expect_ok "info" info m.safetensors
if grep -q "rnn.weight_ih_l0" out && grep -q "fc.weight" out && grep -q "fc.bias" out &&
    grep -q "Total params" out && grep -q "train.optimizer" out; then
    ok "info shows layers, tensors and settings"
else
    bad "info shows layers, tensors and settings"
fi

# ---- export -------------------------------------------------------------------------
PY=""
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; elif command -v python3 >/dev/null; then PY=python3; fi
r info m.safetensors
nparams=$(sed -n 's/^Total params: \([0-9,]*\) .*/\1/p' out | tr -d ,)
expect_ok "export --format json" export m.safetensors --format json
cp out m.json
if [ -n "$PY" ]; then
    check "export json is valid JSON" '"$PY" -m json.tool m.json >/dev/null 2>&1'
    nvalues=$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(sum(len(t["data"]) for t in d["tensors"].values()))' m.json 2>&1)
else # without python: the structure, and the number of values by counting them
    check "export json has config, metadata and tensors" \
        'grep -q "\"config\"" m.json && grep -q "\"metadata\"" m.json && grep -q "\"tensors\"" m.json'
    nvalues=$(sed -n '/"data": \[/,/\]/p' m.json | grep -v '"data"\|\]' | tr ',' '\n' | grep -c '[0-9]')
fi
check "export json: one value per parameter ($nparams)" '[ -n "$nparams" ] && [ "$nvalues" = "$nparams" ]' "$nvalues values"
expect_ok "export --format csv" export m.safetensors --format csv
cp out m.csv
check "export csv header" '[ "$(head -n 1 m.csv)" = "tensor,index0,index1,value" ]' "$(head -n 1 m.csv)"
check "export csv: one row per parameter" '[ "$(($(wc -l <m.csv) - 1))" = "$nparams" ]' "$(wc -l <m.csv) lines"
check "export csv: 2-D and 1-D rows" 'grep -Eq "^rnn.weight_hh_l0,3,2,-?[0-9]" m.csv && grep -Eq "^fc.bias,4,,-?[0-9]" m.csv'
if [ -n "$PY" ]; then
    # Every value gives back the stored float32 exactly.
    cat >roundtrip.py <<'EOF'
import csv, json, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
head, body = json.loads(raw[8:8 + n]), raw[8 + n:]
js = json.load(open(sys.argv[2]))["tensors"]
rows = list(csv.reader(open(sys.argv[3])))[1:]
k = 0
f32 = lambda v: struct.unpack("<f", struct.pack("<f", v))[0]
for name, t in js.items():
    b0, b1 = head[name]["data_offsets"]
    want = struct.unpack("<%df" % ((b1 - b0) // 4), body[b0:b1])
    assert t["shape"] == head[name]["shape"], name
    assert list(want) == [f32(v) for v in t["data"]], name
    for v in want:
        assert rows[k][0] == name and f32(float(rows[k][3])) == v, rows[k]
        k += 1
assert k == len(rows)
EOF
    check "export json and csv values round-trip to the file's floats" \
        '"$PY" roundtrip.py m.safetensors m.json m.csv' "$("$PY" roundtrip.py m.safetensors m.json m.csv 2>&1 | tail -n 1)"
fi
expect_ok "export -o FILE" export m.safetensors --format csv -o exported.csv
check "export -o writes what stdout gets, no temporary left" 'cmp -s exported.csv m.csv && ! ls ./*.tmp.* >/dev/null 2>&1'
expect_fail "export: bad --format" 2 "--format expects .*, got 'xml'" export m.safetensors --format xml
expect_fail "export c: no -o" 2 "--format c needs -o NAME" export m.safetensors --format c
expect_fail "export c: -o with .c" 2 "-o takes NAME without .c or .h" export m.safetensors --format c -o m.c
expect_fail "export c: bad --quantize" 2 "--quantize expects none or int8, got 'int4'" export m.safetensors --format c -o mc --quantize int4
expect_fail "export: --quantize without c" 2 "--quantize and --prefix go with --format c" export m.safetensors --quantize int8
expect_fail "export c: bad prefix" 1 "the C prefix '1x' must start with a letter or _" export m.safetensors --format c -o mc --prefix 1x
expect_fail "export c: no such folder" 1 "cannot write nowhere/mc.h: No such file" export m.safetensors --format c -o nowhere/mc
expect_fail "export: missing model" 1 "nope.safetensors" export nope.safetensors
head -c 100 m.safetensors >trunc.safetensors
expect_fail "export: truncated model" 1 "trunc.safetensors" export trunc.safetensors
cp m.safetensors keep.safetensors
before=$(cksum <keep.safetensors)
expect_fail "export: -o onto the model itself" 2 "itself" export keep.safetensors -o keep.safetensors
check "export: the model is left untouched" '[ "$(cksum <keep.safetensors)" = "$before" ]'
expect_fail "export: -o into a missing directory" 1 "no/such/dir" export m.safetensors -o no/such/dir/x.json

# ---- outputs that would replace what they should not --------------------------
cp small.txt own.txt
before=$(cksum <own.txt)
expect_fail "train: --save onto its own corpus" 2 "is the input own.txt itself" train own.txt \
    "${TINY[@]}" --steps 2 --save own.txt
check "train: the corpus is left untouched" '[ "$(cksum <own.txt)" = "$before" ]'
expect_fail "export: --output onto its model (alias)" 2 "itself" export keep.safetensors \
    --output ./keep.safetensors
mkfifo pipe.safetensors
expect_fail "train: --save onto a FIFO" 1 "not a regular file" train small.txt "${TINY[@]}" \
    --steps 2 --save pipe.safetensors
check "train: the FIFO is still a FIFO" '[ -p pipe.safetensors ]'
mkfifo pipe.json
cat pipe.json >from_pipe.json &
expect_ok "export: -o into a FIFO writes through it" export m.safetensors -o pipe.json
wait
check "export: the FIFO is still a FIFO, and the JSON came out of it" \
    '[ -p pipe.json ] && grep -q "\"config\"" from_pipe.json' "$(head -c 200 from_pipe.json)"
cp m.safetensors target.safetensors
ln -s target.safetensors link.safetensors
expect_ok "train: --save through a symbolic link" train small.txt "${TINY[@]}" --steps 2 \
    --save link.safetensors
check "train: the link is still a link" '[ -L link.safetensors ]'
check "train: the model went to the link's target" '! cmp -s m.safetensors target.safetensors'

# ---- a plain safetensors file (PyTorch names, no recur metadata) -----------------
if [ -n "$PY" ]; then
    cat >make_plain.py <<'EOF'
import json, struct, sys
src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
body = data[8 + n:]
header.pop("__metadata__", None)
out, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
for name, t in header.items():
    if name.startswith(("optim.", "train.")):  # a checkpoint's training state
        continue
    b0, b1 = t["data_offsets"]
    name = name.replace("rnn.", "lstm.").replace("fc.", "decoder.")
    out[name] = {"dtype": t["dtype"], "shape": t["shape"], "data_offsets": [off, off + b1 - b0]}
    blobs.append(body[b0:b1])
    off += b1 - b0
h = json.dumps(out).encode()
h += b" " * (-len(h) % 8)
open(dst, "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
EOF
    "$PY" make_plain.py m.safetensors plain.safetensors
    expect_ok "info on a plain PyTorch safetensors file" info plain.safetensors
    check "info: the plain file is a dense-input LSTM without vocabulary" \
        'grep -q "input (dense" out && grep -q "LSTM" out && grep -q "Vocabulary: none" out' "$(head -n 8 out)"
    expect_fail "sample: a plain file has no vocabulary" 1 "vocabulary" sample plain.safetensors
    expect_ok "export a plain file" export plain.safetensors --format csv
    check "export of the plain file: the same values as the model" 'cmp -s out m.csv'
fi

# ---- resume is bit-identical ---------------------------------------------------------
r train small.txt "${TINY[@]}" --steps 20 --save straight.safetensors --quiet
r train small.txt "${TINY[@]}" --steps 10 --save split.safetensors --quiet --log split.csv
r train small.txt "${TINY[@]}" --steps 20 --save split.safetensors --resume --quiet --log split.csv
if [ "$RC" -eq 0 ] && cmp -s straight.safetensors split.safetensors; then
    ok "resume: 20 steps == 10 + resume to 20 (byte-identical)"
else
    bad "resume: 20 steps == 10 + resume to 20 (byte-identical)" "$(cat err)"
fi
steps=$(cut -d, -f1 split.csv | tr '\n' ' ')
check "resume appends to the log" '[ "$steps" = "step $(seq -s " " 1 20) " ]' "$steps"
before=$(cksum <split.safetensors)
expect_fail "resume with another optimizer names both" 1 "made with the adam optimizer, this run uses sgd" \
    train small.txt "${TINY[@]}" --steps 25 --save split.safetensors --resume --optim sgd --quiet
check "the refused resume leaves the checkpoint" '[ "$(cksum <split.safetensors)" = "$before" ]'
G=(small.txt --model gru --dropout 0.2 --stateless --optim adamw --layers 2 --hidden 16
    --seq 16 --batch 4 --quiet)
r train "${G[@]}" --steps 12 --save g1.safetensors
r train "${G[@]}" --steps 5 --save g2.safetensors
r train "${G[@]}" --steps 12 --save g2.safetensors --resume
if [ "$RC" -eq 0 ] && cmp -s g1.safetensors g2.safetensors; then
    ok "resume: stateless GRU with dropout (byte-identical)"
else
    bad "resume: stateless GRU with dropout (byte-identical)" "$(cat err)"
fi

# ---- bad inputs: one line on stderr, no crash --------------------------------------
printf '' >empty.txt
printf 'abc\000def\n' >binary.txt
printf 'abc \377\376 def\n' >badutf8.txt
printf 'hello world\n' >tiny.txt
head -c 3000 small.txt >short.txt
expect_fail "train: missing file" 1 "nonexistent.txt" train nonexistent.txt --save x.st
expect_fail "train: empty file" 1 "empty" train empty.txt --save x.st
expect_fail "train: binary file" 1 "binary|NUL" train binary.txt --save x.st
expect_fail "train: invalid UTF-8" 1 "UTF-8" train badutf8.txt --save x.st
expect_fail "train: unknown flag" 2 "unknown option '--foo' \(try 'recur train --help'\)" train small.txt --foo
expect_fail "train: --lr abc" 2 "--lr expects a number in \\(0, 100\\), got 'abc'" train small.txt --lr abc
expect_fail "train: --hidden 0" 2 "--hidden expects an integer" train small.txt --hidden 0
expect_fail "train: --hidden -3" 2 "got '-3'" train small.txt --hidden -3
expect_fail "train: --hidden=1.5" 2 "--hidden expects" train small.txt --hidden=1.5
expect_fail "train: --lr without a value" 2 "--lr" train small.txt --lr
expect_fail "train: two texts" 2 "unexpected" train small.txt small.txt
expect_fail "train: unknown model type" 2 "--model" train small.txt --model transformer
expect_fail "train: unknown optimizer" 2 "--optim" train small.txt --optim lbfgs
expect_fail "train: --quiet=1" 2 "quiet" train small.txt --quiet=1
expect_fail "train: --bidirectional" 1 "bidirectional" train small.txt "${TINY[@]}" --bidirectional --save x.st
expect_fail "train: corpus too small for one batch" 1 "too few|characters" train tiny.txt --val 0 --save x.st
expect_fail "train: --val leaves < 2 characters" 1 "val" train tiny.txt --val 0.1 --seq 2 --batch 2 --save x.st
expect_fail "train: --resume without a checkpoint" 1 "nothing.st" train small.txt --resume --save nothing.st
expect_fail "train: --resume with other settings" 1 "" train small.txt "${TINY[@]}" --batch 4 --steps 40 --resume --save m.safetensors
expect_fail "train: --save into a missing directory" 1 "no/such/dir" train small.txt --save no/such/dir/m.st
head -c 100 m.safetensors >truncated.safetensors
expect_fail "sample: truncated model" 1 "truncated.safetensors" sample truncated.safetensors
expect_fail "info: truncated model" 1 "truncated.safetensors" info truncated.safetensors
expect_fail "sample: missing model" 1 "nope.safetensors" sample nope.safetensors
expect_fail "sample: text file as model" 1 "" sample small.txt
expect_fail "sample: no MODEL" 2 "MODEL" sample
expect_fail "sample: --temperature 0" 2 "--temperature" sample m.safetensors --temperature 0
expect_fail "sample: --length x" 2 "--length" sample m.safetensors --length x
expect_fail "sample: prime outside the vocabulary" 1 "vocabulary" sample m.safetensors --prime "Zürich €"
if [ ! -s out ]; then ok "sample: nothing printed for a bad prime"; else bad "sample: nothing printed for a bad prime"; fi
printf 'It is a truth {universally} acknowledged\n' >unknown_chars.txt
expect_fail "eval: text with unknown characters" 1 "vocabulary" eval m.safetensors unknown_chars.txt
expect_fail "eval: missing TEXT" 2 "TEXT" eval m.safetensors
printf 'a' >one.txt
expect_fail "eval: one-character text" 1 "" eval m.safetensors one.txt

# a model whose fc.weight has the wrong shape, written by hand
if command -v python3 >/dev/null; then
    python3 - m.safetensors wrongshape.safetensors <<'EOF'
import json, struct, sys
src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
body = data[8 + n:]
meta = header.pop("__metadata__", {})
out, blobs, off = {"__metadata__": meta}, [], 0
for name, t in header.items():
    b0, b1 = t["data_offsets"]
    blob, shape = body[b0:b1], t["shape"]
    if name == "fc.weight":  # drop half the columns: [V, H] -> [V, H/2]
        shape = [shape[0], shape[1] // 2]
        blob = blob[:shape[0] * shape[1] * 4]
    out[name] = {"dtype": t["dtype"], "shape": shape, "data_offsets": [off, off + len(blob)]}
    blobs.append(blob)
    off += len(blob)
h = json.dumps(out).encode()
h += b" " * (-len(h) % 8)
open(dst, "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
EOF
    expect_fail "sample: fc.weight of the wrong shape" 1 "fc.weight" sample wrongshape.safetensors
    expect_fail "info: fc.weight of the wrong shape" 1 "fc.weight.*shape|shape.*fc.weight" info wrongshape.safetensors
fi
sed 's/"fc.weight"/"fc.weigXt"/' m.safetensors >renamed.safetensors
expect_fail "eval: header with a renamed tensor" 1 "fc.weig" eval renamed.safetensors small.txt

# ---- resource limits: refused in one line before anything large is allocated --------
expect_fail "train: --seq 10^9" 2 "--seq expects an integer in 1..100000" train small.txt --seq 1000000000
expect_fail "train: --batch 10^9" 2 "--batch expects" train small.txt --batch 1000000000
expect_fail "train: --hidden 10^9" 2 "--hidden expects an integer in 1..65536" train small.txt --hidden 1000000000
expect_fail "train: --layers 10^9" 1 "layer count" train small.txt --layers 1000000000 --save x.st
expect_fail "train: 16 layers of 15000 units (2.9e10 parameters)" 1 "too large.*parameters" \
    train small.txt --hidden 15000 --layers 16 --save x.st
expect_fail "train: --seq 100000 --batch 100000" 1 "too few|outside|GB" train small.txt \
    --seq 100000 --batch 100000 --hidden 8 --layers 1 --save x.st
expect_fail "train: --lr 1e999" 2 "--lr expects" train small.txt --lr 1e999
expect_fail "train: --lr nan" 2 "--lr expects" train small.txt --lr nan
expect_fail "train: --lr inf" 2 "--lr expects" train small.txt --lr inf
expect_fail "train: --lr 1e50 (beyond float)" 2 "--lr expects a number in \(0, 100\)" train small.txt --lr 1e50
expect_fail "train: --lr 1e-40 (flushed to 0 as float)" 2 "single precision" train small.txt --lr 1e-40
expect_fail "train: --clip 1e39 (beyond float)" 2 "--clip.*single precision" train small.txt --clip 1e39
expect_fail "train: --momentum 0.99999999999 (1 as float)" 2 "which is 1 in single precision" \
    train small.txt --momentum 0.99999999999
expect_fail "train: --steps overflowing" 2 "--steps" train small.txt --steps 99999999999999999999
expect_fail "train: --epochs -1" 2 "--epochs" train small.txt --epochs -1
expect_fail "train: --seed -1" 2 "--seed" train small.txt --seed -1
expect_fail "train: --seed 1e999" 2 "--seed" train small.txt --seed 1e999
expect_fail "train: --threads 99999999999" 2 "--threads" train small.txt --threads 99999999999
MORE=$(($(getconf _NPROCESSORS_ONLN) + 1))
expect_ok "train with --threads $MORE (one more than the CPUs)" train small.txt "${TINY[@]}" \
    --steps 2 --threads "$MORE" --quiet --save many.safetensors
check "warns once that threads beyond the cores slow it down" \
    '[ "$(grep -c "warning: --threads $MORE is more than the" err)" -eq 1 ]' "$(head -c 300 err)"
expect_ok "train with --threads 1" train small.txt "${TINY[@]}" --steps 2 --threads 1 --quiet \
    --save one.safetensors
check "gives no such warning" '! grep -q "warning" err' "$(head -c 300 err)"
expect_fail "train: --checkpoint-every 0" 2 "--checkpoint-every" train small.txt --checkpoint-every 0
expect_fail "sample: --length -1" 2 "--length" sample m.safetensors --length -1
expect_fail "sample: --length overflowing" 2 "--length" sample m.safetensors --length 99999999999999999999
expect_fail "sample: --top-k -1" 2 "--top-k" sample m.safetensors --top-k -1
expect_fail "sample: --temperature nan" 2 "--temperature" sample m.safetensors --temperature nan
expect_fail "sample: --temperature 1e-40" 2 "--temperature" sample m.safetensors --temperature 1e-40
expect_fail "eval: --seq 10^9" 2 "--seq" eval m.safetensors small.txt --seq 1000000000
expect_fail "eval: --batch -5" 2 "--batch" eval m.safetensors small.txt --batch -5
# --length 10^18 streams: the output is cut by head, nothing is allocated for it
n=$( ("$BIN" sample m.safetensors --length 1000000000000000000 2>/dev/null; true) | head -c 5000 | wc -c)
check "sample --length 10^18 streams" '[ "$n" -eq 5000 ]' "$n bytes"
# Sparse files: no disk and no time, but the sizes of the real thing.
# A corpus is read in chunks (text.c): 2 GB is read (and these zeros are
# binary), one byte over 1 TiB is refused by its size.
truncate -s 2G big2g.txt
truncate -s $(((1 << 40) + 1)) big1t.txt
expect_fail "train: a 2 GB file of zeros" 1 "big2g.txt: a NUL byte at offset 0" \
    train big2g.txt --save x.st
expect_fail "train: a text file one byte over 1 TiB" 1 \
    "big1t.txt: 1099511627777 bytes is over the 1099511627776-byte limit" train big1t.txt --save x.st
expect_fail "eval: a 2 GB file of zeros" 1 "NUL byte" eval m.safetensors big2g.txt
rm -f big1t.txt
{ printf 'one very long line'; } >longline.txt
truncate -s 2G longline.txt
expect_fail "train: a 2 GB line" 1 "NUL byte at offset 18" train longline.txt --save x.st
truncate -s 3G big3g.safetensors
expect_fail "info: a 3 GB file of zeros as model" 1 "header" info big3g.safetensors
truncate -s 5G big5g.safetensors
expect_fail "info: a 5 GB model file" 1 "over the limit" info big5g.safetensors
rm -f big2g.txt big1g.txt longline.txt big3g.safetensors big5g.safetensors
# A header that claims a 65536 x 65536 tensor in a file of a few hundred bytes,
# and one whose metadata asks for 16 layers of 65536 units.
le64() { local n=$1 i; for i in 0 1 2 3 4 5 6 7; do printf "\\$(printf %03o $(((n >> (8 * i)) & 255)))"; done; }
st_file() { le64 ${#1}; printf '%s' "$1"; head -c 64 /dev/zero; }
META='"__metadata__":{"format":"recur","cell":"lstm","input":"onehot","input_size":"4","hidden":"4","layers":"1","bidirectional":"0","output_size":"4","loss":"xent"}'
st_file "{$META,\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,17179869184]}}" >claims.safetensors
expect_fail "info: a header claiming a 16 GiB tensor" 1 "fc.weight.*exceed the data region" info claims.safetensors
WIDE=${META/\"layers\":\"1\"/\"layers\":\"16\"}
st_file "{${WIDE/\"hidden\":\"4\"/\"hidden\":\"65536\"}}" >wide.safetensors
expect_fail "info: metadata asking for 16 layers of 65536 units" 1 "too large" info wide.safetensors

# ---- a failed run leaves an existing model as it was --------------------------------
cp m.safetensors precious.safetensors
before=$(cksum <precious.safetensors)
r train small.txt --save precious.safetensors --lr abc
r train tiny.txt --save precious.safetensors --val 0
r train small.txt "${TINY[@]}" --save precious.safetensors --bidirectional
r train empty.txt --save precious.safetensors
r train small.txt "${TINY[@]}" --model rnn_relu --optim sgd --lr 99 --clip 0 --hidden 64 \
    --steps 50 --save precious.safetensors --quiet
nan_rc=$RC
nan_err=$(cat err)
if [ "$(cksum <precious.safetensors)" = "$before" ]; then
    ok "failed runs leave the existing model file untouched"
else
    bad "failed runs leave the existing model file untouched"
fi
if [ "$nan_rc" -eq 1 ] && echo "$nan_err" | grep -q "NaN\|infinite"; then
    ok "a diverging run stops with a NaN error and exit 1"
else
    bad "a diverging run stops with a NaN error and exit 1" "exit $nan_rc: $nan_err"
fi
check "no temporary files are left behind" '! ls ./*.tmp.* >/dev/null 2>&1'

# ---- Ctrl-C: finish the step, save, exit 130 -------------------------------------------
"$BIN" train small.txt --hidden 64 --layers 1 --seq 32 --batch 8 --steps 1000000 \
    --save int.safetensors >int.out 2>int.err &
pid=$!
for _ in $(seq 50); do
    grep -q "^Training" int.err 2>/dev/null && break
    sleep 0.1
done
sleep 0.5
kill -INT "$pid"
wait "$pid"
irc=$?
if [ "$irc" -eq 130 ] && grep -q "interrupted" int.err && "$BIN" info int.safetensors >/dev/null 2>&1; then
    ok "SIGINT saves a checkpoint and exits 130"
else
    bad "SIGINT saves a checkpoint and exits 130" "exit $irc: $(tail -n 1 int.err)"
fi
expect_ok "--time-limit stops cleanly" train small.txt --hidden 64 --layers 1 --seq 32 \
    --batch 8 --steps 1000000 --time-limit 0.5 --save tl.safetensors --quiet
check "--time-limit saves and says so" 'grep -q "time limit" err && [ -s tl.safetensors ]' "$(cat err)"

cli_summary
