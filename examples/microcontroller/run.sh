#!/usr/bin/env bash
# examples/microcontroller/run.sh - a model trained with the CLI, exported
# as C, and run on a PC and on an emulated Cortex-M4: the whole path.
#   1. train a one-layer LSTM of 64 units on the bundled Austen corpus
#      (TRAIN_SECONDS, default 90; skipped when the model exists);
#   2. `recur export --format c`, float and int8 weights;
#   3. the library's own greedy text (`recur sample --greedy`);
#   4. demo.c with the exported model, built for this PC (cc -std=c99
#      -pedantic -Werror) and for a Cortex-M4 with FPU (arm-none-eabi-gcc,
#      tools/mcu), run natively and under qemu-system-arm (mps2-an386,
#      -icount: one instruction per virtual nanosecond, so SysTick counts
#      instructions / 40);
#   5. checks that the float texts are identical, and prints flash, RAM,
#      instructions per step, and what int8 costs in bits per character;
#   6. what int8 costs a classifier (a GRU trained by `recur classify`).
# Everything goes to build/microcontroller/.
set -eu
cd "$(dirname "$0")/../.."
OUT=build/microcontroller
EX=examples/microcontroller
mkdir -p "$OUT"
make -s -j2 lib cli
R=./build/recur
PRIME="It is a truth universally acknowledged"

if [ ! -f "$OUT/austen.safetensors" ]; then
    $R train data/austen.txt --model lstm --hidden 64 --layers 1 --batch 32 --seq 64 \
        --lr 4e-3 --epochs 100 --time-limit "${TRAIN_SECONDS:-90}" \
        --save "$OUT/austen.safetensors" --log "$OUT/train.csv"
fi
$R export "$OUT/austen.safetensors" --format c -o "$OUT/austen"
$R export "$OUT/austen.safetensors" --format c -o "$OUT/austen_q8" --quantize int8
$R sample "$OUT/austen.safetensors" --prime "$PRIME" --greedy --length 300 >"$OUT/library.txt"

ARM="-mthumb -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard"
for v in austen austen_q8; do
    V=$(echo "$v" | tr a-z A-Z)
    cc -std=c99 -pedantic -Wall -Wextra -Werror -O2 -I"$OUT" -DMODEL_H="\"$v.h\"" -DP="$v" \
        -DPU="$V" "$EX/demo.c" "$OUT/$v.c" -o "$OUT/host_$v"
    "$OUT/host_$v" >"$OUT/host_$v.txt"
    arm-none-eabi-gcc $ARM -std=c99 -pedantic -Wall -Wextra -Werror -O2 -ffreestanding \
        -nostdlib -DMCU -Itools/mcu -I"$OUT" -DMODEL_H="\"$v.h\"" -DP="$v" -DPU="$V" \
        -T tools/mcu/mps2.ld -o "$OUT/m4_$v.elf" "$EX/demo.c" "$OUT/$v.c" \
        tools/mcu/startup.c -lgcc
    timeout 120 qemu-system-arm -M mps2-an386 -icount shift=0 -nographic -monitor none \
        -serial none -semihosting-config enable=on,target=native \
        -kernel "$OUT/m4_$v.elf" >"$OUT/m4_$v.out" 2>&1
    grep -v '^steps ' "$OUT/m4_$v.out" >"$OUT/m4_$v.txt"
    # the model alone, for its sizes: code + const data (flash), and the
    # stack frames of the step's functions
    arm-none-eabi-gcc $ARM -std=c99 -O2 -fstack-usage -c "$OUT/$v.c" -o "$OUT/m4_$v.o"
done

same() { cmp -s "$1" "$2" && echo "identical" || echo "DIFFERENT"; }
echo "float text: library vs PC: $(same "$OUT/library.txt" "$OUT/host_austen.txt")," \
     "PC vs Cortex-M4: $(same "$OUT/host_austen.txt" "$OUT/m4_austen.txt")"
echo "int8 text:  PC vs Cortex-M4: $(same "$OUT/host_austen_q8.txt" "$OUT/m4_austen_q8.txt")"
echo "--- float, Cortex-M4:"; cat "$OUT/m4_austen.txt"
echo "--- int8, Cortex-M4:"; cat "$OUT/m4_austen_q8.txt"
echo "---"
for v in austen austen_q8; do
    flash=$(arm-none-eabi-size -A "$OUT/m4_$v.o" | awk '$1 ~ /^\.(text|rodata)/ {s += $2} END {print s}')
    stack=$(awk '{s += $(NF-1)} END {print s}' "$OUT/m4_$v.su" 2>/dev/null || echo "?")
    state=$(grep -o 'state [0-9]* bytes' "$OUT/$v.h" | grep -o '[0-9]*')
    read -r steps ticks < <(awk '/^steps/ {print $2, $4}' "$OUT/m4_$v.out")
    echo "$v: flash $flash bytes (code + const), RAM: state $state bytes + stack <= $stack" \
         "bytes (all the model's frames), $((ticks * 40 / steps)) instructions per step"
done
cc -std=c11 -O2 -Iinclude "$EX/bpc.c" build/librecur.a \
    $(pkg-config --libs openblas 2>/dev/null || echo -lopenblas) -lm -lpthread -o "$OUT/bpc"
echo "held-out bits per character (last 5% of the corpus, streamed):"
"$OUT/bpc" "$OUT/austen.safetensors" data/austen.txt

# int8 on a classifier: a GRU with a LAST readout on the 40-language UDHR
# paragraphs, accuracy on the CLI's held-out 20%, streamed float vs int8
if [ ! -f "$OUT/udhr_gru.safetensors" ]; then
    $R classify train data/udhr_language_40.tsv --cell gru --hidden 64 --readout last \
        --epochs 8 --time-limit "${TRAIN_SECONDS:-90}" --save "$OUT/udhr_gru.safetensors"
fi
cc -std=c11 -O2 -Iinclude "$EX/accuracy.c" build/librecur.a \
    $(pkg-config --libs openblas 2>/dev/null || echo -lopenblas) -lm -lpthread -o "$OUT/accuracy"
echo "classifier accuracy on the held-out 20% (streamed):"
"$OUT/accuracy" "$OUT/udhr_gru.safetensors" data/udhr_language_40.tsv

# int8 on a forecaster: the AirPassengers and Nottingham models of
# examples/forecasting (seed 1), one step ahead over their held-out 24
# months, streamed float vs int8
cc -std=c11 -O2 -Iinclude "$EX/rmse.c" build/librecur.a \
    $(pkg-config --libs openblas 2>/dev/null || echo -lopenblas) -lm -lpthread -o "$OUT/rmse"
for f in "airpassengers_monthly --window 12 --log --diff 1" \
         "nottingham_temp_monthly --window 24 --season-input"; do
    set -- $f
    name=$1
    shift
    [ -f "$OUT/$name.safetensors" ] ||
        $R forecast train "data/timeseries/$name.csv" --test 24 "$@" --epochs 200 --seed 1 \
            --quiet --save "$OUT/$name.safetensors" >/dev/null
    echo "forecaster $name (one step ahead, streamed):"
    "$OUT/rmse" "$OUT/$name.safetensors" "data/timeseries/$name.csv"
done
