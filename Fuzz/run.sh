#!/usr/bin/env bash
# Builds and runs the libFuzzer targets.
#
#   Fuzz/run.sh TARGET|all SECONDS [libFuzzer options...]
#
# TARGET is safetensors, idx, gzip, adapter-config or text-data; `all` runs them one after another,
# SECONDS each (0: only replay the seed corpus once). Each target starts from its committed
# seed corpus Fuzz/Corpus/TARGET plus what earlier runs found (fuzz-out/TARGET/corpus, where
# new inputs go); crashes, hangs (> 10 s), leaks and out-of-memory inputs are kept in
# fuzz-out/TARGET/crashes (fuzz-out/ is ignored by git). Prints executions, exec/s and
# crashes per target; exits non-zero when any target found one.
#
# Environment: FUZZ_OUT (default: fuzz-out), FUZZ_JOBS=N to run N targets at once with
# `all` (default 1), and everything Fuzz/build.sh reads.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() { echo "usage: Fuzz/run.sh safetensors|idx|gzip|adapter-config|text-data|all SECONDS [libFuzzer options...]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
what=$1; seconds=$2; shift 2
[[ $seconds =~ ^[0-9]+$ ]] || usage
extra=("$@")
all_targets=(safetensors idx gzip adapter-config text-data)
if [[ $what == all ]]; then targets=("${all_targets[@]}"); else targets=("$what"); fi
for target in "${targets[@]}"; do
    [[ " ${all_targets[*]} " == *" $target "* ]] || usage
done

build=${FUZZ_BUILD_DIR:-$root/.build-fuzz}
out=${FUZZ_OUT:-$root/fuzz-out}
Fuzz/build.sh "${targets[@]}"

max_len() {
    case $1 in
        safetensors) echo 8192 ;;
        idx) echo 16384 ;;
        gzip) echo 8192 ;;
        adapter-config) echo 4096 ;;
        text-data) echo 4096 ;;
    esac
}

# Runs one target; writes its summary line to $out/TARGET/summary.
run_one() {
    local target=$1
    local dir=$out/$target
    mkdir -p "$dir/corpus" "$dir/crashes"
    local before
    before=$(find "$dir/crashes" -type f | sort)
    local options=(-artifact_prefix="$dir/crashes/" -dict="$root/Fuzz/Dictionaries/$target.dict"
                   -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
    if (( seconds == 0 )); then
        options+=(-runs=0)
    else
        options+=(-max_total_time="$seconds" -use_value_profile=1)
    fi
    local status=0
    "$build/bin/fuzz-$target" "${options[@]}" "${extra[@]}" "$dir/corpus" "$root/Fuzz/Corpus/$target" \
        > "$dir/fuzz.log" 2>&1 || status=$?
    local runs rate
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/fuzz.log" | tail -1)
    local new
    new=$(comm -13 <(echo "$before") <(find "$dir/crashes" -type f | sort) | sed '/^$/d')
    local found
    found=$(echo -n "$new" | grep -c . || true)
    (( status != 0 && found == 0 )) && found=1   # e.g. a crash while loading the corpus
    printf '%-15s executions %10s   exec/s %7s   corpus %5s   crashes %s\n' "$target" "${runs:-?}" "${rate:-?}" \
        "$(find "$dir/corpus" -type f | wc -l)" "$found" > "$dir/summary"
    if (( found > 0 )); then
        {
            echo "  log: $dir/fuzz.log"
            grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|Fatal error|SUMMARY' "$dir/fuzz.log" | sed 's/^/  /' || true
            echo "$new" | sed '/^$/d; s/^/  input: /' | head -5
            echo "  reproduce: $build/bin/fuzz-$target INPUT"
        } >> "$dir/summary"
    fi
    return $(( found > 0 ))
}

# libFuzzer prints the stack of a crash itself; Swift's backtracer would only slow it down.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
# Known leaks outside this project (see the file).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/Fuzz/lsan.supp:print_suppressions=0}
jobs=${FUZZ_JOBS:-1}
failed=0
pids=()
for target in "${targets[@]}"; do
    run_one "$target" &
    pids+=($!)
    if (( ${#pids[@]} >= jobs )); then
        wait "${pids[0]}" || failed=1
        pids=("${pids[@]:1}")
    fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done

for target in "${targets[@]}"; do cat "$out/$target/summary"; done
exit $failed
