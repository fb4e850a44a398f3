#!/usr/bin/env bash
# The whole suite, from a fresh clone: set-up, C++ units (plain and ASan+UBSan), format and
# lint checks, then the end-to-end pytest suite against the installed hermetic.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

jobs=$(nproc)
echo "== C++ units" >&2
cmake -S . -B build/tests -G Ninja -DHERMETIC_BUILD_TESTS=ON -DHERMETIC_BUILD_PYTHON=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/tests -j "$jobs"
ctest --test-dir build/tests --output-on-failure -j "$jobs"

echo "== C++ units under ASan+UBSan" >&2
cmake -S . -B build/asan -G Ninja -DHERMETIC_BUILD_TESTS=ON -DHERMETIC_BUILD_PYTHON=OFF \
  -DHERMETIC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/asan -j "$jobs"
ctest --test-dir build/asan --output-on-failure -j "$jobs"

echo "== clang-format, clang-tidy, ruff, mypy" >&2
mapfile -t cxx < <(git ls-files -co --exclude-standard -- '*.cpp' '*.hpp' '*.c' '*.h')
clang-format --dry-run --Werror "${cxx[@]}"
mapfile -t tidy < <(git ls-files -co --exclude-standard -- 'src/*.cpp')
# (the compile database comes from gcc; clang must skip gcc-only warning flags)
printf '%s\n' "${tidy[@]}" | xargs -P "$jobs" -n 6 \
  clang-tidy -quiet -p build/tests --extra-arg=-Wno-unknown-warning-option 2>/dev/null
.venv/bin/ruff check python tests bench
.venv/bin/mypy python/hermetic

# setup.sh's build packed as a wheel (its build directory: no recompilation), checked by
# auditwheel (no library outside the manylinux policy), installed with pip on a system that
# cannot build, and run there (scripts/install_test.sh). The release wheels (zig, glibc 2.28,
# aarch64) and their reproducibility are scripts/build_wheels.sh's, run by hand
# (docs/packaging.md).
echo "== the wheel, installed on a system without a compiler" >&2
rm -rf build/wheelhouse
.venv/bin/python -m pip wheel -q --no-build-isolation --no-deps -w build/wheelhouse/raw .
PATH="$PWD/.venv/bin:$PATH" .venv/bin/auditwheel repair -w build/wheelhouse \
  build/wheelhouse/raw/hermetic-*.whl 2>&1 | tail -1 >&2
bash scripts/install_test.sh build/wheelhouse/hermetic-*manylinux*.whl

echo "== end to end (pytest)" >&2
PATH="$PWD/.venv/bin:$PATH" .venv/bin/python -m pytest -q tests
