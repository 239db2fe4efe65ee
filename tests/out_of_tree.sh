#!/bin/sh
# The user's path, as the README gives it: install linkrig into a fresh
# prefix, build a firmware out of tree against the installed package
# (find_package(linkrig) + linkrig_add_firmware), and run the whole scenario
# library with that image. Every scenario must pass: the verdict is judged
# from what the rig observes, whatever the firmware says about itself.
# Scenarios that drive the device through its console (a timeline
# `console:` entry) speak the bundled camera's command set (README, "The
# console"), which another firmware need not have: they are left out.
#   out_of_tree.sh BUILD_DIR SOURCE_DIR FIRMWARE_DIR NAME
set -eu
build=$1
src=$2
fw_src=$3
name=$4
work="$build/out-of-tree/$name"
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
cmake -S "$fw_src" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/configure.log" ||
    { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
image="$work/build/$name.so"
test -f "$image" || { echo "out_of_tree: $image was not built"; exit 1; }
"$work/prefix/bin/linkrig" info "$image"
set --
for f in "$src"/scenarios/*.yaml; do
    grep -q '^ *- *{.*console: ' "$f" || set -- "$@" "$f"
done
"$work/prefix/bin/linkrig" run --quiet --firmware "$image" --out "$work/out" \
    --junit "$work/out/junit.xml" "$@"
