#!/bin/sh
export ZIG_GLOBAL_CACHE_DIR=/var/cache/mig-build/zig-cache
export ZIG_LOCAL_CACHE_DIR=/var/cache/mig-build/zig-cache
exec /opt/mig-toolchain/zig-0.11.0/zig ar "$@"
