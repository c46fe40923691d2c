#!/bin/bash
# Runs every test and ends with one line: "N passed, N failed, N skipped".
# Unit tests: each binary in build/tests/unit speaks TAP (cmocka's TAP output).
# Guest tests: each tests/guest/*.test script speaks TAP ("ok - ..." /
# "not ok - ..." lines); a script that exits non-zero without any "not ok"
# counts as one failure.  A line "ok ... # SKIP reason" (the TAP directive,
# any case) is a check that did not run: counted as skipped, never passed.
# cmocka 1.1.5 prints a skip() as "not ok N # SKIP test_name", its reason
# in the "# SKIP: ..." line the test printed before it: counted as skipped.
# The skipped checks are listed with their reasons before the last line.
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
pass=0; fail=0; skipped=0
failed_names=()
skipped_names=()

skip_line() { # NAME "[N] - DESC # SKIP REASON": one entry of the skip list
    local d=${2%% # [Ss][Kk][Ii][Pp]*} r=${2#* # [Ss][Kk][Ii][Pp]}
    d=${d# }; d=${d#- }; r=${r# }
    skipped_names+=("$1: $d: ${r:-no reason given}")
}

count() { # $1 = name, stdin = TAP output
    local name=$1 line p=0 f=0 s=0 reason=""
    while IFS= read -r line; do
        echo "$line"
        case "$line" in
            "# SKIP: "*) reason=${line#\# SKIP: } ;;
            "not ok "[0-9]*" # SKIP "*)     # cmocka's skip()
                s=$((s+1)); skipped_names+=("$name: ${line#* # SKIP }: ${reason:-no reason given}") ;;
            "not ok"*) f=$((f+1)); failed_names+=("$name: ${line#not ok}") ;;
            "ok"*" # "[Ss][Kk][Ii][Pp]*)
                s=$((s+1)); skip_line "$name" "${line#ok}" ;;
            "ok"*) p=$((p+1)) ;;
        esac
        case "$line" in "ok"* | "not ok"*) reason="" ;; esac   # a reason is for the next result only
    done
    pass=$((pass+p)); fail=$((fail+f)); skipped=$((skipped+s))
    echo "$p $f" > "$tmp/last"
}

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
filter=${1:-}

for t in "$BUILD"/tests/unit/*; do
    [ -x "$t" ] || continue
    [ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
    name=$(basename "$t")
    echo "# unit: $name"
    CMOCKA_MESSAGE_OUTPUT=TAP "$t" > "$tmp/out" 2>&1; rc=$?
    count "$name" < "$tmp/out"
    read -r p f < "$tmp/last"
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - $name exited with status $rc"; fail=$((fail+1)); failed_names+=("$name: crashed ($rc)")
    fi
done

for t in tests/checks/*.test tests/guest/*.test; do
    [ -f "$t" ] || continue
    [ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
    name=$(basename "$t" .test)
    echo "# ${t%/*}: $name"
    bash "$t" > "$tmp/out" 2>&1; rc=$?
    count "$name" < "$tmp/out"
    read -r p f < "$tmp/last"
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - $name exited with status $rc"; fail=$((fail+1)); failed_names+=("$name: exited $rc")
    fi
done

if [ ${#skipped_names[@]} -gt 0 ]; then
    echo "# skipped (did not run here):"
    printf '#   %s\n' "${skipped_names[@]}"
fi
if [ ${#failed_names[@]} -gt 0 ]; then
    echo "# failures:"
    printf '#   %s\n' "${failed_names[@]}"
fi
echo "$pass passed, $fail failed, $skipped skipped"
[ $fail -eq 0 ]
