#!/bin/sh
# The Pico W user's path: install linkrig into a fresh prefix and build
# examples/pico_w out of tree against the installed package
# (find_package(linkrig) + linkrig_add_firmware(... SDK pico_w ...)), with
# no build type, as a debug build of pico-examples (NDEBUG unset: lwIP's
# debug options and the SDK's connect-status output on). Sets up the
# fixture that the pico_w_example_* tests run.
#   pico_w_examples_build.sh BUILD_DIR SOURCE_DIR WORK
set -eu
build=$1; src=$2; work=$3
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
cmake -S "$src/examples/pico_w" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
    -DCMAKE_C_FLAGS="-Werror" >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
for n in picow_scan picow_tcp_client picow_tcp_client_noreconnect picow_udp_sender picow_ntp_client; do
    test -f "$work/build/$n.so" || { echo "$n.so was not built"; exit 1; }
    if nm -D --defined-only "$work/build/$n.so" | grep -qw main; then
        echo "$n.so exports main()"; exit 1
    fi
done
"$work/prefix/bin/linkrig" info "$work/build/picow_tcp_client.so"
