#!/usr/bin/env bash
# The whole suite, from a fresh clone: set-up, C++ units (plain and ASan+UBSan), format and
# lint checks, the end-to-end pytest suite against the installed hermetic, then the escape and
# network tests again against the ASan+UBSan build (scripts/test_asan_e2e.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step says when it starts (seconds since the suite began): the suite must stay under
# 15 minutes on 2 cores, and these stamps show where the time goes.
step() { echo "== $* (at ${SECONDS} s)" >&2; }
step "set-up"
bash scripts/setup.sh

jobs=$(nproc)
step "C++ units"
# In the build directory setup.sh's `pip install .` just used, with the units switched on: the
# core, the executable and the extension are compiled once for both (Release, as installed).
# build/tests names it for the steps below and for quick rebuilds by hand.
wheel_build="build/cp39-abi3-linux_$(uname -m)"
cmake -S . -B "$wheel_build" -DHERMETIC_BUILD_TESTS=ON >/dev/null
ln -sfn "$(basename "$wheel_build")" build/tests
cmake --build build/tests -j "$jobs"
ctest --test-dir build/tests --output-on-failure -j "$jobs"

step "C++ units under ASan+UBSan"
# With the executable and the extension, which scripts/test_asan_e2e.sh runs end to end.
cmake -S . -B build/asan -G Ninja -DHERMETIC_BUILD_TESTS=ON -DHERMETIC_BUILD_PYTHON=ON \
  -DHERMETIC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/asan -j "$jobs"
# Not the aarch64 filter sweeps (every flag and profile compiled for a foreign ABI): the plain
# units above run them, and the code they reach is the x86_64 tests' own, which run here; under
# ASan they ran 17 s and 8.5 s of that ctest's 26 s.
ctest --test-dir build/asan --output-on-failure -j "$jobs" -E '^SeccompFilterAarch64\.Every'

step "fuzzers (bounded, over the committed corpora)"
cmake -S tests/fuzz -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
cmake --build build/fuzz -j "$jobs"
# All four at once, each for a bounded time; new inputs go to a scratch directory, crash
# inputs to build/fuzz/. A crash, a sanitizer report or a failed check fails the suite.
fuzz_scratch=$(mktemp -d)
fuzzers=(target_decode cli_options policy_json policy_file report_event)
fuzz_pids=()
for fuzzer in "${fuzzers[@]}"; do
  mkdir -p "$fuzz_scratch/$fuzzer"
  build/fuzz/fuzz_$fuzzer -max_total_time=15 -artifact_prefix=build/fuzz/ \
    "$fuzz_scratch/$fuzzer" "tests/fuzz/corpus/$fuzzer" >"$fuzz_scratch/$fuzzer.log" 2>&1 &
  fuzz_pids+=($!)
done
fuzz_failed=0
for i in "${!fuzzers[@]}"; do
  if ! wait "${fuzz_pids[$i]}"; then
    fuzz_failed=1
    tail -n 40 "$fuzz_scratch/${fuzzers[$i]}.log" >&2
  fi
done
rm -rf "$fuzz_scratch"
((fuzz_failed == 0))

step "clang-format, clang-tidy, ruff, mypy"
mapfile -t cxx < <(git ls-files -co --exclude-standard -- '*.cpp' '*.hpp' '*.c' '*.h')
clang-format --dry-run --Werror "${cxx[@]}"
mapfile -t tidy < <(git ls-files -co --exclude-standard -- 'src/*.cpp')
# (the compile database comes from gcc; clang must skip gcc-only warning flags.) The static
# analyzer (clang-analyzer-*) runs in its shallow mode, Xcode's build-time mode (fewer nodes per
# path, less inlining): the deep mode took three quarters of this step, about 150 s of the
# suite's 15 minutes. HERMETIC_TIDY_ANALYZER=deep runs the deep one (by hand, before a release).
analyzer_mode=${HERMETIC_TIDY_ANALYZER:-shallow}
printf '%s\n' "${tidy[@]}" | xargs -P "$jobs" -n 3 \
  clang-tidy -quiet -p build/tests --extra-arg=-Wno-unknown-warning-option \
  --extra-arg=-Xclang --extra-arg=-analyzer-config \
  --extra-arg=-Xclang --extra-arg="mode=$analyzer_mode" 2>/dev/null
.venv/bin/ruff check python tests bench scripts
.venv/bin/mypy python/hermetic

# setup.sh's build packed as a wheel (its build directory: no recompilation), checked by
# auditwheel (no library outside the manylinux policy), installed with pip on a system that
# cannot build, and run there (scripts/install_test.sh). The release wheels (zig, glibc 2.28,
# aarch64) and their reproducibility are scripts/build_wheels.sh's, run by hand
# (docs/packaging.md).
step "the wheel, installed on a system without a compiler"
rm -rf build/wheelhouse
.venv/bin/python -m pip wheel -q --no-build-isolation --no-deps -w build/wheelhouse/raw .
PATH="$PWD/.venv/bin:$PATH" .venv/bin/auditwheel repair -w build/wheelhouse \
  build/wheelhouse/raw/hermetic-*.whl 2>&1 | tail -1 >&2
bash scripts/install_test.sh build/wheelhouse/hermetic-*manylinux*.whl

step "end to end (pytest)"
# On every core (pytest-xdist): each test makes its own processes, files and ports.
PATH="$PWD/.venv/bin:$PATH" .venv/bin/python -m pytest -q -n "$jobs" tests

step "escape and network tests against the ASan+UBSan build"
bash scripts/test_asan_e2e.sh
step "done"
