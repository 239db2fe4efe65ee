#!/usr/bin/env bash
# One-time machine set-up for linkrig on Debian 12 (run as root, or with sudo
# available). Installs the build's Debian packages and fetches lwIP's source
# into .deps/ (git-ignored). Safe to run again: each step is skipped when done.
#
#   tools/setup.sh            install packages + fetch lwIP
#   LWIP_DIR=/path tools/setup.sh   use an existing lwIP checkout, fetch nothing
#   LINKRIG_BENCH_NS3=1 tools/setup.sh   also ns-3, for bench/run.sh's ns-3 ratios
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
deps="$here/.deps"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo for apt-get" >&2; exit 1; }
    SUDO=sudo
fi

pkgs=(build-essential cmake pkg-config dpkg-dev
      libslirp-dev libglib2.0-dev libdeflate-dev libpcap-dev libcmocka-dev libyaml-dev libssl-dev tshark curl python3
      libboost-context-dev  # fiber switches (jump_fcontext) in firmware_shim/board.c
      libxml2-utils python3-junitparser  # the JUnit checks: xmllint against tests/junit.xsd, a real JUnit reader
      freeradius  # the RADIUS server of Enterprise networks (eap/freeradius.c)
      chromium   # headless: tests/report_browser.sh loads the HTML reports
      clang libclang-rt-14-dev llvm-14)  # the fuzz targets (tools/fuzz.sh): libFuzzer, its sanitizers, llvm-symbolizer

# ns-3 for bench/run.sh's side-by-side figures only (large; opt-in).
if [ "${LINKRIG_BENCH_NS3:-0}" = 1 ]; then pkgs+=(libns3-dev ns3); fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -q
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ -n "${LWIP_DIR:-}" ]; then
    [ -f "$LWIP_DIR/src/Filelists.cmake" ] || { echo "setup: LWIP_DIR=$LWIP_DIR has no src/Filelists.cmake" >&2; exit 1; }
    echo "setup: using lwIP at $LWIP_DIR"
    exit 0
fi
if [ -f "$deps/lwip/src/Filelists.cmake" ]; then
    echo "setup: lwIP source already in .deps/lwip"
    exit 0
fi

# apt-get source needs a deb-src entry. Derive one from the enabled Debian
# entries of this machine (same mirror, suites, components, key), so no host
# is named here. Only stanzas whose suite is this release's codename are taken:
# third-party repositories rarely publish sources.
have_src() {
    grep -hsE '^\s*deb-src\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | grep -q . && return 0
    grep -hsE '^\s*Types:.*deb-src' /etc/apt/sources.list.d/*.sources | grep -q . && return 0
    return 1
}
if ! have_src; then
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [ -n "$codename" ] || { echo "setup: cannot tell the Debian release codename" >&2; exit 1; }
    out=/etc/apt/sources.list.d/linkrig-deb-src.sources
    tmp=$(mktemp)
    # deb822 files: copy each stanza for this release with Types: deb-src.
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v rel="$codename" '
            function flush() {
                if (n && keep && isdeb) { for (i = 1; i <= n; i++) print buf[i]; print "" }
                n = 0; keep = 0; isdeb = 0
            }
            /^[[:space:]]*$/ { flush(); next }
            /^#/ { next }
            /^Types:/ { if ($0 ~ /(^|[ \t])deb([ \t]|$)/) isdeb = 1; buf[++n] = "Types: deb-src"; next }
            /^Suites:/ { if ($0 ~ ("[ \t]" rel "([ \t-]|$)")) keep = 1 }
            /^Enabled:[ \t]*no/ { isdeb = 0 }
            { buf[++n] = $0 }
            END { flush() }' "$f" >>"$tmp"
    done
    # One-line format.
    grep -hsE "^\s*deb\s.*\s$codename(\s|-)" /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        | sed -E 's/^\s*deb\s/deb-src /' >"$tmp.list" || true
    if [ -s "$tmp" ]; then $SUDO cp "$tmp" "$out"; fi
    if [ -s "$tmp.list" ]; then $SUDO cp "$tmp.list" /etc/apt/sources.list.d/linkrig-deb-src.list; fi
    rm -f "$tmp" "$tmp.list"
    have_src || { echo "setup: found no Debian apt source to derive a deb-src entry from" >&2; exit 1; }
    echo "setup: added deb-src entries derived from the existing apt sources"
    $SUDO apt-get update -q
fi

mkdir -p "$deps"
work=$(mktemp -d "$deps/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
# apt-get source refuses to run as root into a directory it cannot own; run it
# in a scratch directory and keep only the unpacked tree.
(cd "$work" && apt-get source -q lwip)
src=$(find "$work" -mindepth 2 -maxdepth 3 -name Filelists.cmake -path '*/src/*' | head -n1)
[ -n "$src" ] || { echo "setup: the lwip source package has no src/Filelists.cmake" >&2; exit 1; }
rm -rf "$deps/lwip"
mv "$(dirname "$(dirname "$src")")" "$deps/lwip"
echo "setup: lwIP source in .deps/lwip ($(basename "$(ls -d "$work"/*.dsc 2>/dev/null | head -n1)" .dsc))"
