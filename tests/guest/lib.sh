# Helpers for the guest test scripts (tests/guest/*.test); source it first.
# Each script prints TAP lines ("ok - ..." / "not ok - ..." followed by
# "# " diagnostic lines) and ends with `finish`.
#
#   require_cloak                  cloak and the kernel must be built
#   prog LIBC NAME                 path of a guest program (gcc or musl build)
#   require_file PATH WHAT         a needed file must exist
#   cloak_exec NAME ARGS           timeout ... cloak run ARGS (no check)
#   cloak_run NAME EXPECTED ARGS   cloak_exec, then check_status
#   check_status NAME EXPECTED     the run's exit status
#   check_stdout_contains NAME LINE...   each LINE is a whole line of stdout
#   check_stdout_equals_file NAME FILE   stdout is byte-identical to FILE
#   check_output_matches NAME REGEX DESC stdout+stderr match an ERE (-i)
#   ok DESC / not_ok DESC [DIAG...] / finish
#   skip DESC REASON               a check that could not run here, and why
#                                  (TAP "ok - DESC # SKIP REASON"; tests/run.sh
#                                  counts it as skipped, never as passed)
#
# Outputs of run NAME are in $T/NAME.out (stdout) and $T/NAME.err (stderr).
# A missing build is a failure ("not ok"), never a skip.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
CLOAK=${CLOAK:-$BUILD/bin/cloak}
CLOAK_KERNEL=${CLOAK_KERNEL:-$BUILD/share/cloak/kernel.elf}
GUEST=$BUILD/tests/guest
CLOAK_TIMEOUT=${CLOAK_TIMEOUT:-300}
LIBCS="gcc musl"

T=$(mktemp -d "${TMPDIR:-/tmp}/cloak-guest.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

FAILED=0
declare -A RUN_STATUS RUN_MS DIAG_SHOWN

ok() { echo "ok - $1"; }

skip() { # DESC REASON
    echo "ok - $1 # SKIP ${2:?skip needs a reason}"
}

not_ok() { # DESC [DIAG-LINE...]
    local d=$1
    shift
    echo "not ok - $d"
    FAILED=$((FAILED + 1))
    local l
    for l in "$@"; do
        printf '%s\n' "$l" | sed 's/^/# /'
    done
}

diag_file() { # LABEL FILE [LINES]: the last LINES lines of FILE as diagnostics
    local n=${3:-15}
    if [ -s "$2" ]; then
        echo "# $1 (last $n lines):"
        tail -n "$n" "$2" | cut -c1-300 | cat -v | sed 's/^/#   /'
    else
        echo "# $1: (empty)"
    fi
}

finish() {
    [ "$FAILED" -eq 0 ]
    exit
}

require_cloak() {
    local missing=()
    [ -x "$CLOAK" ] || missing+=("$CLOAK")
    [ -f "$CLOAK_KERNEL" ] || missing+=("$CLOAK_KERNEL")
    if [ ${#missing[@]} -gt 0 ]; then
        not_ok "cloak not built" "missing: ${missing[*]}" "run: make all"
        exit 1
    fi
}

require_file() { # PATH WHAT: fail the whole script if PATH is missing
    if [ ! -e "$1" ]; then
        not_ok "$2 not built" "missing: $1" "run: make all test-programs"
        exit 1
    fi
}

prog() { # LIBC NAME -> path of the guest program
    echo "$GUEST/$1/$2"
}

require_progs() { # NAME...: each program in both builds
    local n l
    for n in "$@"; do
        for l in $LIBCS; do
            require_file "$(prog "$l" "$n")" "guest program $l/$n"
        done
    done
}

# cloak_exec NAME ARGS...: run `cloak run ARGS...` (stdin from /dev/null,
# under a timeout); keep stdout, stderr, the status and the time taken.
cloak_exec() {
    local name=$1 t0 t1
    shift
    t0=$(date +%s%N)
    timeout -k 10 "$CLOAK_TIMEOUT" "$CLOAK" run "$@" \
        > "$T/$name.out" 2> "$T/$name.err" < /dev/null
    RUN_STATUS[$name]=$?
    t1=$(date +%s%N)
    RUN_MS[$name]=$(((t1 - t0) / 1000000))
    printf '%s\n' "cloak run $*" > "$T/$name.cmd"
}

# cloak_run NAME EXPECTED_STATUS ARGS...: cloak_exec, then report the
# status as one TAP line.  Returns 0 when it matched.
cloak_run() {
    local name=$1 expected=$2
    shift 2
    cloak_exec "$name" "$@"
    check_status "$name" "$expected"
}

status_meaning() { # STATUS -> words, per docs/boot-protocol.md
    case $1 in
        70) echo "kernel panic" ;;
        124 | 137) echo "timed out after ${CLOAK_TIMEOUT}s" ;;
        125) echo "cloak error" ;;
        126) echo "kernel refused the program" ;;
        127) echo "program missing" ;;
        *) echo "" ;;
    esac
}

run_diag() { # NAME: what a failed check shows about the run (once per run)
    local name=$1 m
    if [ -n "${DIAG_SHOWN[$name]}" ]; then
        echo "# (output of $name shown above)"
        return
    fi
    DIAG_SHOWN[$name]=1
    echo "# command: $(cat "$T/$name.cmd" 2>/dev/null)"
    m=$(status_meaning "${RUN_STATUS[$name]}")
    echo "# exit status ${RUN_STATUS[$name]}${m:+ ($m)}, ${RUN_MS[$name]} ms"
    diag_file "stderr" "$T/$name.err"
    diag_file "stdout" "$T/$name.out"
}

check_status() { # NAME EXPECTED
    local name=$1 expected=$2 got=${RUN_STATUS[$1]}
    if [ "$got" = "$expected" ]; then
        ok "$name: exit status $expected"
        return 0
    fi
    not_ok "$name: exit status $got, expected $expected"
    run_diag "$name"
    return 1
}

check_stdout_contains() { # NAME LINE...: every LINE is a whole line of stdout
    local name=$1 l missing=()
    shift
    for l in "$@"; do
        grep -Fxq -- "$l" "$T/$name.out" 2>/dev/null || missing+=("$l")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        ok "$name: stdout has the expected lines"
        return 0
    fi
    not_ok "$name: stdout lacks ${#missing[@]} expected line(s)"
    for l in "${missing[@]}"; do echo "# missing line: $l"; done
    run_diag "$name"
    return 1
}

check_stdout_equals_file() { # NAME FILE: byte-identical
    local name=$1 want=$2
    if cmp -s "$want" "$T/$name.out"; then
        ok "$name: stdout is byte-identical to the expected output"
        return 0
    fi
    not_ok "$name: stdout differs from the expected output"
    echo "# expected $(wc -c < "$want") bytes, sha256 $(sha256sum < "$want" | cut -c1-16)"
    echo "# got      $(wc -c < "$T/$name.out") bytes, sha256 $(sha256sum < "$T/$name.out" | cut -c1-16)"
    cmp "$want" "$T/$name.out" 2>&1 | head -n 1 | sed 's/^/# /'
    if grep -Iq . "$want" && grep -Iq . "$T/$name.out"; then
        # Text: the differing lines, whatever the size.
        diff "$want" "$T/$name.out" | head -n 20 | cut -c1-200 | sed 's/^/# /'
    elif [ "$(wc -c < "$want")" -le 4096 ]; then
        diff <(od -c "$want") <(od -c "$T/$name.out") | head -n 20 | sed 's/^/# /'
    fi
    run_diag "$name"
    return 1
}

check_output_matches() { # NAME REGEX DESC: stdout or stderr matches (grep -Ei)
    local name=$1 re=$2 desc=$3
    if cat "$T/$name.out" "$T/$name.err" 2>/dev/null | grep -Eiq -- "$re"; then
        ok "$name: $desc"
        return 0
    fi
    not_ok "$name: $desc" "no output line matches /$re/"
    run_diag "$name"
    return 1
}
