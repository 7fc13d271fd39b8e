#!/usr/bin/env bash
# Builds the libFuzzer targets under .build-fuzz/ (ignored by git through `.build*/`)
# without touching Package.swift or the normal `swift build` output: each library module
# the harnesses need is compiled straight from Sources/ with swiftc (C files with clang),
# instrumented for libFuzzer and AddressSanitizer, then each harness is linked against
# the objects.
#
#   Fuzz/build.sh [TARGET...]        TARGET: safetensors idx gzip adapter-config text-data (default: all)
#
# Environment: SWIFTC, CLANG (default: from PATH), FUZZ_BUILD_DIR (default: .build-fuzz),
# FUZZ_OPT (default: -O), FUZZ_SANITIZERS (default: fuzzer,address).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

SWIFTC=${SWIFTC:-swiftc}
CLANG=${CLANG:-$(dirname "$(command -v "$SWIFTC")")/clang}
build=${FUZZ_BUILD_DIR:-$root/.build-fuzz}
opt=${FUZZ_OPT:--O}
sanitizers=${FUZZ_SANITIZERS:-fuzzer,address}

all_targets=(safetensors idx gzip adapter-config text-data)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")

mods=$build/modules
objs=$build/objects
bin=$build/bin
mkdir -p "$mods" "$objs" "$bin" "$build/include/CKernels" "$build/generated"

swift_flags=(-sanitize="$sanitizers" "$opt" -g -parse-as-library -I "$mods" -I "$root/Sources/CZlib"
             -I "$build/include/CKernels" -Xcc -I"$root/Sources/CKernels/include")
# libFuzzer's own coverage instrumentation, without its main (that comes at link time).
c_sanitizers=${sanitizers/fuzzer/fuzzer-no-link}
c_flags=(-fsanitize="$c_sanitizers" -O2 -g -fPIC -I "$root/Sources/CKernels/include")

write_if_changed() {  # path: writes standard input there unless the file already holds it
    local text; text=$(cat)
    [[ -f $1 && $(cat "$1") == "$text" ]] || printf '%s\n' "$text" > "$1"
}
# SwiftPM makes this module map for CKernels (an umbrella header in include/); do the same.
write_if_changed "$build/include/CKernels/module.modulemap" <<MAP
module CKernels {
    header "$root/Sources/CKernels/include/CKernels.h"
    export *
}
MAP
# Datasets uses Bundle.module for its shipped sample, which SwiftPM generates; the fuzz
# targets never load the sample, so a stand-in pointing at the main bundle is enough.
write_if_changed "$build/generated/DatasetsBundle.swift" <<'SWIFT'
import Foundation
extension Foundation.Bundle {
    static let module: Bundle = Bundle.main
}
SWIFT

# Rebuilds a module only when one of its inputs is newer than its object file.
stale() {  # output inputs...
    local output=$1; shift
    [[ -f $output ]] || return 0
    [[ -n $(find "$@" -newer "$output" -print -quit 2>/dev/null) ]]
}

swift_module() {  # name extra-inputs... -- sources...
    local name=$1; shift
    local extra=()
    while [[ $1 != -- ]]; do extra+=("$1"); shift; done
    shift
    if stale "$objs/$name.o" "$@" "${extra[@]}" "$0"; then
        echo "fuzz build: module $name (${#@} files)"
        "$SWIFTC" "${swift_flags[@]}" -wmo -module-name "$name" -emit-module \
            -emit-module-path "$mods/$name.swiftmodule" -c "$@" -o "$objs/$name.o"
        touch "$objs/$name.o"  # swiftc leaves an unchanged object untouched
    fi
}

ckernels() {
    local sources=("$root"/Sources/CKernels/*.c)
    if stale "$objs/CKernels.a" "${sources[@]}" "$root"/Sources/CKernels/include "$0"; then
        echo "fuzz build: module CKernels (${#sources[@]} C files)"
        local out=()
        for source in "${sources[@]}"; do
            local o=$objs/CKernels-$(basename "$source" .c).o
            "$CLANG" "${c_flags[@]}" -c "$source" -o "$o"
            out+=("$o")
        done
        rm -f "$objs/CKernels.a"
        "$(dirname "$CLANG")/llvm-ar" rcs "$objs/CKernels.a" "${out[@]}"
    fi
}

sources_of() { find "$root/Sources/$1" -name '*.swift' | LC_ALL=C sort; }

need_safetensors=0; need_datasets=0; need_adapters=0
for target in "${targets[@]}"; do
    case $target in
        safetensors) need_safetensors=1 ;;
        idx|gzip|text-data) need_datasets=1 ;;
        adapter-config) need_safetensors=1; need_adapters=1 ;;
        *) echo "fuzz build: unknown target '$target' (known: ${all_targets[*]})" >&2; exit 2 ;;
    esac
done

if (( need_safetensors )); then
    mapfile -t files < <(sources_of SafeTensors)
    swift_module SafeTensors -- "${files[@]}"
fi
if (( need_datasets )); then
    ckernels  # Datasets converts pixels with a C loop
    mapfile -t files < <(sources_of Datasets)
    swift_module Datasets "$root/Sources/CZlib" "$root/Sources/CKernels/include" -- "${files[@]}" "$build/generated/DatasetsBundle.swift"
fi
if (( need_adapters )); then
    ckernels
    mapfile -t files < <(sources_of TensorCore)
    swift_module TensorCore "$root/Sources/CKernels/include" -- "${files[@]}"
    mapfile -t files < <(sources_of NN)
    swift_module NN "$objs/TensorCore.o" -- "${files[@]}"
    mapfile -t files < <(sources_of Adapters)
    swift_module Adapters "$objs/NN.o" "$objs/SafeTensors.o" -- "${files[@]}"
fi

for target in "${targets[@]}"; do
    case $target in
        safetensors) harness=SafeTensorsFuzz; link=("$objs/SafeTensors.o") ;;
        idx) harness=IDXFuzz; link=("$objs/Datasets.o" "$objs/CKernels.a") ;;
        gzip) harness=GzipFuzz; link=("$objs/Datasets.o" "$objs/CKernels.a") ;;
        text-data) harness=TextDataFuzz; link=("$objs/Datasets.o" "$objs/CKernels.a") ;;
        adapter-config) harness=AdapterConfigurationFuzz
            link=("$objs/Adapters.o" "$objs/NN.o" "$objs/TensorCore.o" "$objs/SafeTensors.o" "$objs/CKernels.a") ;;
    esac
    source=$root/Fuzz/Harnesses/$harness.swift
    if stale "$bin/fuzz-$target" "$source" "${link[@]}"; then
        echo "fuzz build: target $target"
        "$SWIFTC" "${swift_flags[@]}" -module-name "${harness}" "$source" "${link[@]}" -lz -use-ld=lld -o "$bin/fuzz-$target"
    fi
done
