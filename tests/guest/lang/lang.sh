# Helpers shared by go.test, rust.test and cxx.test (source after lib.sh).
# Each program prints one line that depends on the machine first (how many
# CPUs its runtime sees), then lines that must be the same natively and in
# the guest.

# lang_compiler NAME PATH PACKAGE: true if the compiler is there; else
# prints a skip for the whole test (with the reason) and ends it.
lang_compiler() {
    if [ -x "$2" ]; then
        return 0
    fi
    skip "$1: the program is built and runs as natively" \
        "no compiler at $2 (scripts/install-deps.sh installs Debian's $3)"
    finish
}

# lang_native NAME PROGRAM LAST-LINE [ENV...]: runs PROGRAM on this host
# into $T/NAME.expected; the whole test fails if it does not end with
# LAST-LINE (the program itself is wrong, or this host is).
lang_native() {
    local name=$1 p=$2 last=$3
    shift 3
    env "$@" timeout -k 5 60 "$p" > "$T/$name.expected" 2> "$T/$name.native-err" < /dev/null
    local rc=$?
    if [ $rc -ne 0 ] || [ "$(tail -n 1 "$T/$name.expected")" != "$last" ]; then
        not_ok "$name: the program passes on this Linux" "status $rc" \
            "$(tail -n 5 "$T/$name.expected" "$T/$name.native-err")"
        finish
    fi
}

# lang_guest_cpus N: the CPUs sched_getaffinity reports in a guest with N
# vCPUs (the C program cpus; smp.test says what that number must be).
declare -A LANG_CPUS
lang_guest_cpus() {
    local n=$1
    if [ -z "${LANG_CPUS[$n]}" ]; then
        cloak_exec "cpus-smp$n" -m 64M --smp "$n" "$(prog musl cpus)"
        LANG_CPUS[$n]=$(sed -n 's/^affinity \([0-9]*\)$/\1/p' "$T/cpus-smp$n.out")
    fi
    echo "${LANG_CPUS[$n]}"
}

# lang_check_cpus NAME N WORD: the run NAME (N vCPUs) printed "WORD K" as
# its first line, K being what sched_getaffinity reports in such a guest,
# and K is N (every vCPU runs threads).
lang_check_cpus() {
    local name=$1 n=$2 word=$3 want got
    want=$(lang_guest_cpus "$n")
    got=$(head -n 1 "$T/$name.out")
    if [ -z "$want" ]; then
        not_ok "$name: the guest's sched_getaffinity answered" "$(tail -n 3 "$T/cpus-smp$n.out" "$T/cpus-smp$n.err")"
    elif [ "$got" = "$word $want" ]; then
        ok "$name: the runtime sees the CPUs sched_getaffinity reports ($got)"
    else
        not_ok "$name: the runtime sees the CPUs sched_getaffinity reports" "expected \"$word $want\", got \"$got\""
        return
    fi
    if [ "$want" = "$n" ]; then
        ok "$name: the runtime sees every vCPU ($n)"
    else
        not_ok "$name: the runtime sees every vCPU ($n)" "sched_getaffinity reports $want"
    fi
}

# lang_same NAME EXPECTED [DROP-REGEX]: stdout of run NAME, but its first
# line (and lines matching DROP-REGEX in both), equals EXPECTED's.
lang_same() {
    local name=$1 expected=$2 drop=${3:-'^$'}
    tail -n +2 "$expected" | grep -Ev -- "$drop" > "$T/$name.want"
    tail -n +2 "$T/$name.out" | grep -Ev -- "$drop" > "$T/$name.got"
    if cmp -s "$T/$name.want" "$T/$name.got"; then
        ok "$name: output as on this host ($(wc -l < "$T/$name.got") lines, ${RUN_MS[$name]} ms)"
    else
        not_ok "$name: output as on this host" "$(diff "$T/$name.want" "$T/$name.got" | head -n 20)"
        run_diag "$name"
    fi
}
