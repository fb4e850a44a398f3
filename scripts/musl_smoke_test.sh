#!/usr/bin/env bash
# The x86_64 musllinux wheel, run: installed with pip into a fresh venv of a CPython built
# against musl (scripts/build_musl_python.sh, cached in build/musl-python), with no compiler on
# PATH, then under the installed hermetic: --check, the README's first command, a Python target
# under --no-network, --fs-readonly and --no-code-exec, `with_hermetic` in that Python, and a C
# program linked dynamically against musl (musl-gcc) under --no-subprocess. Each check is judged
# by a side effect (a listener's count, a file's presence), against a control run that shows
# the same check passes without the flag. A by-hand release check (the musl CPython takes
# minutes to build), not part of CI:
#
#   bash scripts/musl_smoke_test.sh dist/hermetic-*-musllinux_1_2_x86_64.whl
set -euo pipefail
cd "$(dirname "$0")/.."
wheel=$(realpath "${1:?usage: musl_smoke_test.sh WHEEL}")
[[ $wheel == *musllinux_*_x86_64.whl ]] || { echo "musl_smoke_test: not an x86_64 musllinux wheel: $wheel" >&2; exit 2; }
say() { echo "musl_smoke_test: $*" >&2; }
passed=0
failed=0
check() {  # check NAME CONDITION...: one line per check, counted
  local name=$1
  shift
  if "$@"; then say "PASS $name"; passed=$((passed + 1)); else say "FAIL $name"; failed=$((failed + 1)); fi
}

python=$(bash scripts/build_musl_python.sh)
work=$PWD/build/musl-smoke
rm -rf "$work"
mkdir -p "$work/tools" "$work/home" "$work/tmp" "$work/out"
interp=$(readelf -l "$python" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
say "CPython: $("$python" -VV | head -1), interpreter $interp"
[[ $interp == */ld-musl-x86_64.so.1 ]] || { say "$python is not a musl program"; exit 1; }

# A C program linked against musl dynamically, whose child leaves a file: built here, before
# the runs, which see no compiler.
cat >"$work/forker.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char** argv) {
  if (argc != 2) return 64;
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 3; }
  if (pid == 0) { close(open(argv[1], O_WRONLY | O_CREAT, 0600)); _exit(0); }
  int status = 0;
  waitpid(pid, &status, 0);
  return 0;
}
EOF
musl-gcc -O2 -o "$work/forker" "$work/forker.c"
say "forker: $(file -b "$work/forker" | cut -d, -f1-5)"

# A listener on loopback counting the connections it gets; a connection that sends "?" asks for
# the count instead (the script's own question, not counted).
python3 - "$work/port" <<'EOF' &
import socket, sys
server = socket.create_server(("127.0.0.1", 0))
open(sys.argv[1] + ".tmp", "w").write(str(server.getsockname()[1]))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
count = 0
while True:
    conn, _ = server.accept()
    with conn:
        if conn.recv(1) == b"?":
            conn.sendall(str(count).encode())
        else:
            count += 1
EOF
listener=$!
trap 'kill $listener 2>/dev/null || true' EXIT
until [[ -s $work/port ]]; do read -r -t 0.05 <> <(:) || true; done
port=$(cat "$work/port")
count() {
  python3 -c "import socket, sys; c = socket.create_connection(('127.0.0.1', $port)); c.sendall(b'?'); print(c.recv(32).decode())"
}

# The environment of every run: the venv and a shell, nothing to compile with.
ln -s /bin/sh "$work/tools/sh"
run() {
  env -i PATH="$work/venv/bin:$work/tools" HOME="$work/home" TMPDIR="$work/tmp" LANG=C.UTF-8 "$@"
}
no_compiler() {
  local tool
  for tool in cc gcc c++ g++ clang musl-gcc zig ld make; do
    if run sh -c "command -v $tool" >/dev/null; then say "  $tool is on PATH"; return 1; fi
  done
}
check "no compiler on PATH" no_compiler

"$python" -m venv "$work/venv"
t0=$(date +%s%N)
run pip install -q --no-index "$wheel"
t1=$(date +%s%N)
say "pip install of $(basename "$wheel") into a fresh venv: $(((t1 - t0) / 1000000)) ms"
hermetic=$work/venv/bin/hermetic
run "$hermetic" --version

check "hermetic --check" run "$hermetic" --check

readme_command() {
  local out status=0
  out=$(run "$hermetic" --no-network -- python3 -c \
    "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9')" 2>&1) || status=$?
  echo "$out" | tail -3 >&2
  [[ $status -eq 2 && $out == *"hermetic: blocked action: network disabled"* ]]
}
check "the README's first command (exit 2, the blocked-action line)" readme_command

# A refused run must also end as hermetic ends one (exit 2, its blocked-action line), so that a
# target that failed for another reason (did not start, crashed) is no pass; a control run
# (exit 0) shows the same target does the thing without the flag.
refused_line() {  # refused_line WANT STATUS OUTPUT
  local want=$1 status=$2 out=$3
  if [[ $want == refused ]]; then
    [[ $status -eq 2 && $out == *"hermetic: blocked action: "* ]] ||
      { say "  exit $status, not hermetic's refusal: $out"; return 1; }
  else
    [[ $status -eq 0 ]] || { say "  exit $status: $out"; return 1; }
  fi
}
connect="import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1]))).close()"
counted_after() {  # counted_after N refused|ran COMMAND...: the listener's count after is N more
  local want=$1 how=$2 before after out status=0
  shift 2
  before=$(count)
  out=$("$@" 2>&1) || status=$?
  after=$(count)
  [[ $((after - before)) -eq $want ]] || { say "  count went $before -> $after"; return 1; }
  refused_line "$how" "$status" "$out"
}
check "control: a loopback connect under --no-subprocess reaches the listener" \
  counted_after 1 ran run "$hermetic" --no-subprocess -- python3 -c "$connect" "$port"
check "--no-network: the loopback connect is refused (listener's count unchanged)" \
  counted_after 0 refused run "$hermetic" --no-network -- python3 -c "$connect" "$port"

write="open(__import__('sys').argv[1], 'w').close()"
written() {  # written yes|no FILE COMMAND...: refused (exit 2, the line) when no
  local want=$1 file=$2 out status=0
  shift 2
  rm -f "$file"
  out=$("$@" 2>&1) || status=$?
  if [[ $want == yes ]]; then
    [[ -e $file ]] && refused_line ran "$status" "$out"
  else
    [[ ! -e $file ]] && refused_line refused "$status" "$out"
  fi
}
check "control: a write under --no-network lands" \
  written yes "$work/out/w" run "$hermetic" --no-network -- python3 -c "$write" "$work/out/w"
check "--fs-readonly: the write is refused (no file)" \
  written no "$work/out/w" run "$hermetic" --fs-readonly -- python3 -c "$write" "$work/out/w"
# A Python-only flag: refused by the in-process layer alone, so the musl extension was loaded
# into the musl CPython by the static executable.
check "control: the eval writes under --no-network" \
  written yes "$work/out/e" run "$hermetic" --no-network -- python3 -c \
  "eval(\"open('$work/out/e', 'w')\")"
check "--no-code-exec: eval refused by the in-process layer (no file)" \
  written no "$work/out/e" run "$hermetic" --no-code-exec -- python3 -c \
  "eval(\"open('$work/out/e', 'w')\")"

with_hermetic() {  # the extension imported by the musl CPython itself, no hermetic executable
  run python3 - "$port" <<'EOF'
import socket, sys
from hermetic import with_hermetic
from hermetic.errors import PolicyViolation

@with_hermetic(block_network=True)
def connect():
    socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()

try:
    connect()
except PolicyViolation as error:  # hermetic's own refusal, nothing else
    print("hermetic: blocked action:", error, file=sys.stderr)
    sys.exit(2)
EOF
}
check "with_hermetic(block_network=True): the connect is refused (count unchanged)" \
  counted_after 0 refused with_hermetic
check "control: after with_hermetic, the same Python connects" \
  counted_after 1 ran run python3 -c "import hermetic; $connect" "$port"

check "control: the musl C program forks under --no-network (child's file)" \
  written yes "$work/out/f" run "$hermetic" --no-network -- "$work/forker" "$work/out/f"
forker_refused() {
  local out
  rm -f "$work/out/f"
  out=$(run "$hermetic" --no-subprocess -- "$work/forker" "$work/out/f" 2>&1) || true
  echo "$out" | head -3 >&2
  [[ ! -e $work/out/f && $out == *"[hermetic] blocked action: subprocess disabled: fork by forker"* ]]
}
check "--no-subprocess: the musl C program's fork is refused, the preload library's line" \
  forker_refused

echo "musl_smoke_test: $passed passed, $failed failed"
((failed == 0))
