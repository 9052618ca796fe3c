#!/usr/bin/env bash
# Installs what `tigris simulate` needs and builds the instruction-count plugin.
# Idempotent: apt runs only for missing packages, the plugin is rebuilt only
# when isscount.c changed. Debian 12 (bookworm), as root (or with sudo).
#
#   tools/iss/install-deps.sh           # install + build + smoke check
#   tools/iss/install-deps.sh --check   # only report what is missing (exit 1 if anything)
#
# Packages: clang-22 + llvm-22 (the Xtensa C compiler, llvm-mc assembler),
# gcc-arm-none-eabi + libnewlib, and picolibc-xtensa-lx106-elf (the C headers
# gcc-xtensa-lx106 lacks) for the runtime cross-compile test,
# binutils-xtensa-lx106 (ld, nm), gcc-xtensa-lx106 (pulls the same binutils
# in; only its ld/nm are used), qemu-system-misc (qemu-system-xtensa 7.2 with
# TCG plugin support). The plugin goes to $TIGRIS_ISS_CACHE (default
# ${TIGRIS_CACHE_DIR:-~/.cache/tigris}/iss), where python/tigris/simulate.py
# looks for it (and rebuilds it itself when isscount.c changed).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PKGS="clang-22 llvm-22 gcc-xtensa-lx106 binutils-xtensa-lx106 picolibc-xtensa-lx106-elf qemu-system-misc gcc gcc-arm-none-eabi libnewlib-arm-none-eabi"
CACHE="${TIGRIS_ISS_CACHE:-${TIGRIS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tigris}/iss}"
PLUGIN="$CACHE/libisscount.so"

missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ "${1:-}" = "--check" ]; then
  [ -z "$missing" ] && [ -f "$PLUGIN" ] && { echo "iss: ok ($PLUGIN)"; exit 0; }
  echo "iss: missing:${missing:- } ${PLUGIN##*/}$([ -f "$PLUGIN" ] && echo ' (built)')"; exit 1
fi

if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "iss: installing$missing"
  $SUDO apt-get update -qq
  # clang-22/llvm-22 live in bookworm-security on this image; plain bookworm
  # lacks them, so fail with a clear message if apt cannot find them.
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
       $missing >/dev/null; then
    echo "iss: apt-get install$missing failed" >&2; exit 1
  fi
fi

mkdir -p "$CACHE"
stamp="$CACHE/isscount.sha256"
want="$(sha256sum "$HERE/isscount.c" | cut -d' ' -f1)"
if [ ! -f "$PLUGIN" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  gcc -O2 -shared -fPIC -Wall -o "$PLUGIN.tmp" "$HERE/isscount.c"
  mv "$PLUGIN.tmp" "$PLUGIN"
  echo "$want" > "$stamp"
fi

llc-22 --version | grep -q xtensa || { echo "iss: llc-22 lacks the Xtensa target" >&2; exit 1; }
qemu-system-xtensa -cpu help | grep -q de233_fpu || { echo "iss: qemu-system-xtensa lacks de233_fpu" >&2; exit 1; }
command -v xtensa-lx106-elf-ld >/dev/null || { echo "iss: xtensa-lx106-elf-ld not found" >&2; exit 1; }
echo "iss: ok: $(clang-22 --version | head -1); $(qemu-system-xtensa --version | head -1); plugin $PLUGIN"
