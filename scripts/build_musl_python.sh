#!/usr/bin/env bash
# A minimal CPython 3.11 against musl, dynamically linked (so that it loads extension modules
# such as the musllinux wheel's _hermetic.abi3.so), for scripts/musl_smoke_test.sh: no musl
# Python exists in Debian or on PyPI. Built from Debian's source packages (python3.11 and
# zlib, pinned below; apt checks them against the archive's signed index) with Debian's
# musl-gcc (musl-tools), into build/musl-python (kept: later runs reuse it). zlib is built for
# musl too, so that zipfile and pip work; no ssl, ctypes, sqlite, readline (nothing the smoke
# test needs). A by-hand release check, like the release wheels: not part of CI (~10-20 minutes
# on this project's 2 cores).
#
#   bash scripts/build_musl_python.sh     (root: installs musl-tools and adds a deb-src line)
#
# Prints the interpreter's path.
set -euo pipefail
cd "$(dirname "$0")/.."
python_version=3.11.2-6+deb12u8  # Debian 12's python3.11
zlib_version=1:1.2.13.dfsg-1      # Debian 12's zlib

work=$PWD/build/musl-python
prefix=$work/install
say() { echo "build_musl_python: $*" >&2; }
if [[ -x $prefix/bin/python3.11 && $(cat "$work/.pins" 2>/dev/null) == "$python_version $zlib_version" ]]; then
  echo "$prefix/bin/python3.11"
  exit 0
fi
[[ $(uname -m) == x86_64 ]] || { say "only for x86_64 hosts"; exit 1; }

if ! command -v musl-gcc >/dev/null; then
  [[ $(id -u) -eq 0 ]] || { say "needs musl-tools (run as root)"; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl-tools >/dev/null
fi
# Debian's source packages: a deb-src line for the archive the machine already uses.
if ! apt-cache showsrc python3.11 2>/dev/null | grep -q "^Version: $python_version$"; then
  [[ $(id -u) -eq 0 ]] || { say "needs a deb-src line for bookworm (run as root)"; exit 1; }
  cat >/etc/apt/sources.list.d/hermetic-deb-src.sources <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  apt-get update -qq
fi
mkdir -p "$work/src"
(cd "$work/src" &&
  apt-get source -qq --download-only "python3.11=$python_version" "zlib=$zlib_version") \
  2>&1 | grep -v "unsandboxed as root" >&2 || true
orig_python=$(ls "$work"/src/python3.11_*.orig.tar.gz)
orig_zlib=$(ls "$work"/src/zlib_*.orig.tar.bz2)

# Linux's UAPI headers (libc-independent) for the modules that include <linux/...> (_socket):
# musl-gcc sees musl's headers alone. Given with -I, not -isystem: setup.py hands the modules
# only CPPFLAGS' -I directories.
kernel=$work/kernel-include
rm -rf "$kernel"
mkdir -p "$kernel"
ln -s /usr/include/linux /usr/include/asm-generic "$kernel/"
ln -s /usr/include/x86_64-linux-gnu/asm "$kernel/asm"

jobs=(nice -n 19)
rm -rf "$work/zlib" "$work/cpython" "$prefix"
say "zlib $zlib_version (static, position-independent)"
mkdir -p "$work/zlib"
tar -xjf "$orig_zlib" -C "$work/zlib" --strip-components=1
(cd "$work/zlib" &&
  CC=musl-gcc CFLAGS="-O2 -fPIC" ./configure --static --prefix="$work/zlib-install" >/dev/null &&
  "${jobs[@]}" make -j2 >/dev/null && make install >/dev/null)

say "CPython $python_version (upstream source from Debian's orig tarball)"
mkdir -p "$work/cpython"
tar -xzf "$orig_python" -C "$work/cpython" --strip-components=1
cd "$work/cpython"
# gcc answers --print-multiarch for glibc (x86_64-linux-gnu), which configure finds at odds
# with the triplet it derives from musl's headers.
# (setup.py asks with one dash, then adds /usr/include/<answer> to every module's includes.)
printf '#!/bin/sh\ncase "$1" in -print-multiarch|--print-multiarch) echo x86_64-linux-musl; exit 0;; esac\nexec musl-gcc "$@"\n' \
  >"$work/musl-cc"
chmod +x "$work/musl-cc"
# No pkg-config: it would hand the configure checks glibc's libraries.
PKG_CONFIG_LIBDIR=/nonexistent PKG_CONFIG_PATH= \
  CC="$work/musl-cc" CPPFLAGS="-I$kernel -I$work/zlib-install/include" \
  LDFLAGS="-L$work/zlib-install/lib" \
  ZLIB_CFLAGS="-I$work/zlib-install/include" ZLIB_LIBS="-L$work/zlib-install/lib -lz" \
  ./configure --prefix="$prefix" --without-ensurepip --disable-test-modules \
  >"$work/configure.log" 2>&1 || { tail -30 "$work/configure.log" >&2; exit 1; }
# (_ctypes fails to build, for want of libffi for musl: expected, nothing here needs it.)
"${jobs[@]}" make -j2 >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
grep -A4 "necessary bits to build these optional modules were not found" "$work/make.log" >&2 || true
"${jobs[@]}" make install >"$work/install.log" 2>&1 || { tail -40 "$work/install.log" >&2; exit 1; }
"$prefix/bin/python3.11" -c "import zlib, zipfile, socket, select, _posixsubprocess, venv"
echo "$python_version $zlib_version" >"$work/.pins"
say "built: $("$prefix/bin/python3.11" -VV | head -1)"
echo "$prefix/bin/python3.11"
