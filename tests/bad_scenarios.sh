#!/bin/sh
# bad_scenarios.sh LINKRIG DIR
# Every file listed in DIR/EXPECTED must be refused by `linkrig run` with
# exit 2 and a message "FILE:LINE:COL: ...TEXT..." -- never a crash (the
# sanitizer build runs this too), never a run.
linkrig=$1; dir=$2
fail=0; n=0
tab=$(printf '\t')
while IFS="$tab" read -r file pos text; do
    case "$file" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    out=$("$linkrig" run --out /nonexistent-never-created "$dir/$file" 2>&1)
    rc=$?
    if [ "$rc" -ne 2 ]; then
        echo "FAIL $file: exit $rc (expected 2)"; echo "$out"; fail=1; continue
    fi
    case "$out" in
        *"$dir/$file:$pos:"*"$text"*) echo "ok   $file: $(echo "$out" | head -1)" ;;
        *) echo "FAIL $file: expected '$file:$pos: ...$text...', got:"; echo "$out"; fail=1 ;;
    esac
done < "$dir/EXPECTED"
[ "$n" -gt 0 ] || { echo "no cases in $dir/EXPECTED"; exit 1; }
echo "$n bad scenario files checked"
exit $fail
