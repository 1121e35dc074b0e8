#!/usr/bin/env bash
# onnx_cli_test.sh - `recur import` and `recur export --format onnx` as a user
# runs them: a PyTorch export imports and runs, a model goes out and back in
# unchanged, and bad input gives one line on stderr, a non-zero exit and no
# output file (an existing one left untouched).
#   bash tests/onnx_cli_test.sh [path/to/recur]
. "$(dirname "$0")/cli_lib.sh"
cli_setup onnx_cli_test "${1:-}"
ONNX=$ROOT/tests/onnx

expect_ok "import a PyTorch LSTM export" import "$ONNX/lstm_emb_bi_l2_fc.onnx" -o lstm.safetensors
check "import reports the model" "grep -q 'lstm, 2 layers of 5 (bidirectional)' out"
expect_ok "info on the imported model" info lstm.safetensors
check "info shows the source" "grep -q onnx out"
expect_ok "export it as ONNX" export lstm.safetensors --format onnx -o back.onnx
expect_ok "import the export" import back.onnx -o back.safetensors
expect_ok "JSON of the original" export lstm.safetensors --format json -o a.json
expect_ok "JSON of the round trip" export back.safetensors --format json -o b.json
check "the round trip keeps every tensor" "diff <(sed -n '/tensors/,\$p' a.json) <(sed -n '/tensors/,\$p' b.json) >/dev/null"
expect_ok "import --help" import --help
check "help names the command" "grep -q 'recur import' out"

echo keep >keep.safetensors
expect_fail "import without -o" 2 "-o FILE" import "$ONNX/gru_dense_l1_fc.onnx"
expect_fail "import a missing file" 1 "cannot open" import nothing.onnx -o keep.safetensors
expect_fail "import a safetensors file" 1 "not an ONNX model" import lstm.safetensors -o keep.safetensors
expect_fail "import onto itself" 2 "itself" import back.onnx -o back.onnx
for f in "$ONNX"/refuse_*.onnx; do
    expect_fail "refuse $(basename "$f")" 1 "" import "$f" -o keep.safetensors
done
expect_fail "GRU linear_before_reset=0" 1 "linear_before_reset=0" import "$ONNX/refuse_gru_lbr0.onnx" -o keep.safetensors
expect_fail "unsupported operator named" 1 "node 'softmax_node' \\(Softmax\\)" import "$ONNX/refuse_softmax.onnx" -o keep.safetensors
head -c 300 back.onnx >cut.onnx
expect_fail "a truncated file" 1 "" import cut.onnx -o keep.safetensors
check "refusals leave the output untouched" "[ \"\$(cat keep.safetensors)\" = keep ]"
expect_fail "export onnx to stdout" 2 "-o FILE" export lstm.safetensors --format onnx
expect_fail "export an unknown format" 2 "json, csv, c or onnx" export lstm.safetensors --format xml
expect_fail "export a missing model" 1 "" export none.safetensors --format onnx -o x.onnx
check "no output for a failed export" "[ ! -e x.onnx ]"

# Model commands read ONNX files directly (recur_model_load tells them from
# safetensors by their first bytes).
expect_ok "info on an ONNX file" info "$ONNX/lstm_emb_bi_l2_fc.onnx"
check "info reads the ONNX graph" "grep -q 'bidirectional_2 (LSTM, both ways)' out"
head -c 4000 "$ROOT/data/austen.txt" >small.txt
expect_ok "train a small character model" train small.txt --hidden 16 --layers 1 --seq 16 \
    --batch 4 --steps 5 --save char.safetensors --quiet
expect_ok "export it as ONNX" export char.safetensors --format onnx -o char.onnx
expect_ok "sample the safetensors model" sample char.safetensors --prime "It" --length 40 --greedy
cp out sample_st.txt
expect_ok "sample the ONNX file" sample char.onnx --prime "It" --length 40 --greedy
check "the ONNX file samples the same text" "cmp -s out sample_st.txt"
expect_ok "eval the ONNX file" eval char.onnx small.txt --seq 16 --batch 4
check "eval of the ONNX file prints bpc" "grep -Eq '^bpc: +[0-9]' out"

# direction="reverse" (Keras go_backwards through tf2onnx): imported, run,
# exported back; what needs a step-by-step stream refuses in one line.
expect_ok "import a reverse LSTM" import "$ONNX/lstm_emb_rev_l2_fc.onnx" -o rev.safetensors
check "import says reverse" "grep -q 'lstm, 2 layers of 5 (reverse)' out"
expect_ok "info on the reverse model" info rev.safetensors
check "info shows the reading order" "grep -q 'lstm_2 (LSTM, last step to first)' out"
expect_ok "export the reverse model as ONNX" export rev.safetensors --format onnx -o rev.onnx
expect_ok "import it back" import rev.onnx -o rev_back.safetensors
expect_ok "JSON of the reverse model" export rev.safetensors --format json -o ra.json
expect_ok "JSON of its round trip" export rev_back.safetensors --format json -o rb.json
check "JSON says reverse" "grep -q '\"reverse\": true' ra.json"
check "the reverse round trip keeps every tensor and the direction" "cmp -s ra.json rb.json"
MAKE_MODEL=$(dirname "$BIN")/tests/tool_make_model
if [ -x "$MAKE_MODEL" ]; then
    "$MAKE_MODEL" gru onehot 2 2 sequence 6 3 revchar.safetensors abcdef
    expect_fail "sample refuses a reverse model" 1 "reverse model .*cannot be run step by step" \
        sample revchar.safetensors --length 5
    check "in one line" "[ \$(wc -l <err) -eq 1 ]"
    expect_ok "sample --window reads each window whole" sample revchar.safetensors --length 5 --window 4
    printf 'abcabcfed' >abc.txt
    expect_fail "eval refuses a reverse model" 1 "not bidirectional or reverse" eval revchar.safetensors abc.txt
    expect_fail "grad-report refuses a reverse model" 1 "reverse model" grad-report revchar.safetensors abc.txt --seq-len 3
    expect_fail "C export refuses a reverse model" 1 "reverse model" export revchar.safetensors --format c -o revc
    check "no C file written" "[ ! -e revc.c ]"
else
    bad "tool_make_model" "$MAKE_MODEL is missing (run make tests)"
fi
cli_summary
