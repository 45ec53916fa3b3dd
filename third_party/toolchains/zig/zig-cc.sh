#!/bin/sh
# Bazel calls this for every compile and link. C sources go to `zig cc`, everything else (C++ sources and
# links, which need libc++) to `zig c++`. Zig lives outside the sandbox at a fixed path (tools/setup.sh).
ZIG=/opt/mig-toolchain/zig-0.11.0/zig
# Actions have no HOME; zig's caches must exist and be writable (a --sandbox_writable_path in .bazelrc).
export ZIG_GLOBAL_CACHE_DIR=/var/cache/mig-build/zig-cache
export ZIG_LOCAL_CACHE_DIR=/var/cache/mig-build/zig-cache
driver=c++
for arg in "$@"; do
  case "$arg" in
    *.c) driver=cc ;;
  esac
done
exec "$ZIG" "$driver" -target x86_64-linux-musl "$@"
