#!/bin/sh
# report_browser.sh LINKRIG SCENARIOS_DIR OUT_DIR
# Renders the reports of ap_reboot and the 24-hour soak (`run --report`) and
# loads each in headless Chromium: the page loads without console errors,
# its script ran (the range line is filled in), the SVG holds a fault band
# and an RSSI series, and a screenshot is written to OUT_DIR (CI keeps it).
# Prints the soak report's size and load time: a figure, not a limit.
# Exit 77 (skipped) without chromium.
set -u
linkrig=$1; scenarios=$2; out=$3
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium not installed: skipped"; exit 77; }
rm -rf "$out" && mkdir -p "$out"
"$linkrig" run --quiet --report --out "$out" "$scenarios/ap_reboot.yaml" "$scenarios/soak_24h.yaml" ||
    { echo "run --report failed"; exit 1; }
[ -f "$out/index.html" ] || { echo "no index.html for a two-scenario run"; exit 1; }
grep -q 'href="soak_24h/report.html"' "$out/index.html" || { echo "index.html does not link the soak"; exit 1; }
fail=0
for name in ap_reboot soak_24h; do
    page="$out/$name/report.html"
    [ -f "$page" ] || { echo "$name: no report.html"; fail=1; continue; }
    # no network: nothing in the page may point outside it
    if grep -Eq '(src|href)="(https?:)?//' "$page"; then echo "$name: the page loads something external"; fail=1; fi
    t0=$(date +%s%N)
    timeout 120 "$browser" --headless --disable-gpu --no-sandbox --enable-logging=stderr --v=0 \
        --virtual-time-budget=2000 --dump-dom "file://$(realpath "$page")" >"$out/$name.dom" 2>"$out/$name.log"
    t1=$(date +%s%N)
    timeout 120 "$browser" --headless --disable-gpu --no-sandbox --window-size=1400,900 \
        --screenshot="$out/report-$name.png" "file://$(realpath "$page")" >/dev/null 2>&1
    [ -s "$out/report-$name.png" ] || { echo "$name: no screenshot"; fail=1; }
    # console errors (a script exception) show as CONSOLE lines or "Uncaught"
    if grep -E 'Uncaught|CONSOLE.*(Error|error)' "$out/$name.log"; then echo "$name: console errors"; fail=1; fi
    grep -q 'id="range">0s \.\. ' "$out/$name.dom" || { echo "$name: the page's script did not run"; fail=1; }
    grep -q '<rect class="fault"' "$out/$name.dom" || { echo "$name: no fault band in the SVG"; fail=1; }
    grep -Eq '<path class="rssi"[^>]* d="M[-0-9.]+ [-0-9.]+' "$out/$name.dom" || { echo "$name: no RSSI series"; fail=1; }
    grep -q '<g class="link"' "$out/$name.dom" || { echo "$name: no link lane"; fail=1; }
    size=$(wc -c <"$page")
    echo "$name: report.html $size bytes, loaded (dump-dom) in $(( (t1 - t0) / 1000000 )) ms; screenshot $out/report-$name.png"
done
exit $fail
