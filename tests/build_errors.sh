#!/bin/sh
# Mistakes a firmware author makes are build errors that say what to do.
#   build_errors.sh CC SHIM_INCLUDE LWIP_DIR SOURCE_DIR
set -u
cc=$1; shim=$2; lwip=$3; src=$4
fail=0
# lwipopts.h without NO_SYS: lwIP would want an OS port; the rig says why not.
out=$("$cc" -c -o /dev/null -I "$src/tests/build_errors/no_nosys" -I "$shim" -I "$lwip/src/include" \
      "$src/tests/build_errors/no_nosys/main.c" 2>&1)
if [ $? -eq 0 ]; then
    echo "FAIL: a lwipopts.h without NO_SYS compiled"; fail=1
elif ! echo "$out" | grep -q "define NO_SYS 1"; then
    echo "FAIL: the error does not say to define NO_SYS 1:"; echo "$out"; fail=1
else
    echo "ok: missing NO_SYS -> $(echo "$out" | grep -m1 'NO_SYS')"
fi
exit $fail
