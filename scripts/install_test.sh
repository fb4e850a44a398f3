#!/usr/bin/env bash
# The install test: a hermetic wheel installed with pip into a fresh venv on a system that has
# Python and nothing to build with (no compiler, no -dev package): a minimal root made from
# Debian's packages (dpkg-deb -x of python3.11-venv and what it needs; no maintainer scripts run,
# none is needed). There: `hermetic --check`, the README's first command, and a subset of the
# escape tests (those that need no C compiler), with the installed hermetic.
#
#   bash scripts/install_test.sh WHEEL
#
# Needs root (chroot, mounts). The root is kept in build/install-root and reused while the
# package list is unchanged; the .debs and the test tools' wheels are cached in build/.
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$PWD

wheel=$(realpath "${1:?usage: install_test.sh WHEEL}")
[[ $(id -u) -eq 0 ]] || { echo "install_test: needs root (chroot)" >&2; exit 1; }
say() { echo "install_test: $*" >&2; }

# Python with venv and the shell tools the tests call; nothing that compiles.
packages=(bash coreutils dash mawk gcc-12-base libacl1 libattr1 libbz2-1.0 libc6 libcom-err2
  libcrypt1 libdb5.3 libexpat1 libffi8 libgcc-s1 libgdbm6 libgmp10 libgssapi-krb5-2
  libk5crypto3 libkeyutils1 libkrb5-3 libkrb5support0 liblzma5 libmd0 libncursesw6 libnsl2
  libpcre2-8-0 libpython3-stdlib libpython3.11-minimal libpython3.11-stdlib libreadline8
  libselinux1 libsqlite3-0 libssl3 libtinfo6 libtirpc-common libtirpc3 libuuid1 libzstd1
  media-types python3 python3-distutils python3-lib2to3 python3-minimal python3-pip-whl
  python3-setuptools-whl python3-venv python3.11 python3.11-minimal python3.11-venv
  readline-common zlib1g)
# The escape tests run here: each needs Python alone (the one that compiles a helper with cc is
# left out).
tests=(tests/bypass/test_bypass_net_socket_api.py tests/bypass/test_bypass_net_children.py
  tests/bypass/test_bypass_proc_python.py tests/bypass/test_fs_write.py
  tests/bypass/test_bypass_env_leaks.py
  --deselect tests/bypass/test_fs_write.py::test_io_uring_open_with_o_trunc_changes_nothing)

debs=$root_dir/build/install-debs
root=$root_dir/build/install-root
mkdir -p "$debs"
start=$(date +%s)

# The root's /proc and /dev are mounted while the tests run; never remove the root (or anything
# in it) with them still there, as a run killed before its trap could leave them.
cleanup() {
  for m in "$root/dev" "$root/proc"; do
    if mountpoint -q "$m"; then umount -R -l "$m"; fi
  done
  return 0
}
cleanup

if [[ $(cat "$root/.packages" 2>/dev/null) != "${packages[*]}" ]]; then
  say "making the root from ${#packages[@]} Debian packages"
  missing=()
  for p in "${packages[@]}"; do compgen -G "$debs/${p}_*.deb" >/dev/null || missing+=("$p"); done
  if ((${#missing[@]})); then
    (cd "$debs" && apt-get download -qq "${missing[@]}" 2>/dev/null) || {
      apt-get update -qq
      (cd "$debs" && apt-get download -qq "${missing[@]}")
    }
  fi
  rm -rf --one-file-system "$root"
  mkdir -p "$root"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$root"; done
  # What maintainer scripts and base-files would have made: the merged /usr links, /bin/sh,
  # a user database, /tmp.
  for d in bin sbin lib lib64; do
    [[ -e $root/$d || ! -d $root/usr/$d ]] || ln -s "usr/$d" "$root/$d"
  done
  ln -sf dash "$root/usr/bin/sh"
  mkdir -p "$root/etc" "$root/tmp" "$root/proc" "$root/dev" "$root/root" "$root/work"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' \
    >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  echo "${packages[*]}" >"$root/.packages"
fi

# The test tools for the escape tests, as wheels from the index (cached), installed offline.
tools=$root_dir/build/install-tools
if ! compgen -G "$tools/pytest-*.whl" >/dev/null; then
  python3 -m pip download -q --only-binary=:all: --python-version 3.11 -d "$tools" pytest
fi

trap cleanup EXIT
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
rm -rf --one-file-system "$root/work" "$root/opt/venv" "$root/tmp"/*
mkdir -p "$root/work/tests" "$root/work/wheels"
cp -r tests/conftest.py tests/bypass tests/cli tests/helpers "$root/work/tests/"
cp "$wheel" "$tools"/*.whl "$root/work/wheels/"

in_root() {
  chroot "$root" /usr/bin/env -i PATH=/opt/venv/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
    TERM=dumb "$@"
}

# Nothing to build with: no compiler, no headers of libseccomp or Python.
for tool in cc gcc c++ g++ clang zig ld make cmake; do
  if in_root sh -c "command -v $tool" >/dev/null; then say "$tool is in the root"; exit 1; fi
done
for header in usr/include/seccomp.h usr/include/python3.11/Python.h; do
  [[ ! -e $root/$header ]] || { say "$header is in the root"; exit 1; }
done

in_root python3 -m venv /opt/venv
t0=$(date +%s%N)
in_root /opt/venv/bin/pip install -q --no-index "/work/wheels/$(basename "$wheel")"
t1=$(date +%s%N)
say "pip install of $(basename "$wheel") into a fresh venv: $(((t1 - t0) / 1000000)) ms"
in_root /opt/venv/bin/hermetic --version

say "hermetic --check"
in_root /opt/venv/bin/hermetic --check

say "the README's first command"
set +e
readme=$(in_root /opt/venv/bin/hermetic --no-network -- python3 -c \
  "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9')" 2>&1)
status=$?
set -e
echo "$readme" >&2
if [[ $status -ne 2 || $readme != *"hermetic: blocked action: network disabled"* ]]; then
  say "expected exit 2 and the blocked-action line, got $status"
  exit 1
fi

say "escape tests against the installed hermetic: ${tests[*]}"
in_root /opt/venv/bin/pip install -q --no-index --find-links /work/wheels pytest
in_root sh -c "cd /work && HERMETIC_BIN=/opt/venv/bin/hermetic \
  /opt/venv/bin/python -m pytest -q -p no:cacheprovider ${tests[*]}"

# One wheel serves every CPython 3.9+: installed with another minor version than the build's,
# the executable must still find the package (under that version's lib/pythonX.Y). On this
# machine, where such a Python exists; a Python-only flag needs the in-process layer, so
# `--no-code-exec` refuses the eval (no marker) only if the package was found.
# (The wheels here are built with python3.)
build_minor=$(python3 -c 'import sys; print("python%d.%d" % sys.version_info[:2])')
checked_other=
for other in python3.12 python3.13 python3.10 python3.9 \
  "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[0-9]*/bin/python3; do
  [[ -x $other ]] || other=$(command -v "$other") || continue
  minor=$("$other" -c 'import sys; print("python%d.%d" % sys.version_info[:2])' 2>/dev/null) ||
    continue
  [[ $minor != "$build_minor" ]] || continue
  venv=$(mktemp -d)
  "$other" -m venv "$venv/v"
  "$venv/v/bin/pip" install -q --no-index "$wheel"
  code="open('$venv/marker', 'w').close() if 'run' in __import__('sys').argv else eval('1')"
  (cd "$venv" && "$venv/v/bin/hermetic" --no-network -- "$venv/v/bin/python" -c \
    "$code" run)
  [[ -e $venv/marker ]] || { say "$minor: the target did not run"; exit 1; }
  rm "$venv/marker"
  set +e
  (cd "$venv" && "$venv/v/bin/hermetic" --no-code-exec -- "$venv/v/bin/python" -c \
    "eval(\"open('$venv/marker', 'w')\")" 2>"$venv/err")
  status=$?
  set -e
  if [[ $status -ne 2 || -e $venv/marker ]]; then
    say "$minor: --no-code-exec did not refuse the eval (exit $status): $(cat "$venv/err")"
    exit 1
  fi
  say "installed with $minor: the executable found the package (--no-code-exec refused eval)"
  rm -rf "$venv"
  checked_other=$minor
  break
done
[[ -n $checked_other ]] || say "no CPython but $build_minor here: another version's install not tested"
say "passed in $(($(date +%s) - start)) s"
