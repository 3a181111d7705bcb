#!/usr/bin/env bash
# Build pjproject and its SWIG Python module (pjsua2) for Tongdai, and install
# the module into a Python environment.
#
#   image/pjsua2/build.sh [PYTHON]     (PYTHON defaults to .venv/bin/python)
#
# Why: the PyPI wheel is built with pjproject's defaults (4 calls per process);
# a PBX needs the sizes in config_site.h. Debian has no pjproject package, but
# Debian's `jami` source package carries a full pjproject 2.12.1 tree (Jami's
# fork); we build that, with Debian's own security patch and ours applied.
#
# The result (pjsua2.py + _pjsua2*.so) is cached outside the checkout under
# $TONGDAI_CACHE_DIR (default ~/.cache/tongdai), keyed by this script, the
# config, the patches, the source version and the Python ABI, so later runs
# take seconds. The same recipe builds the Pi image (arm64 has the same source).
#
# Security stance (see ../../../shared/DESIGN.md, "The media engine's security"):
#   - Speex codec and AEC are left out of the build (CVE-2026-29068).
#   - SRTP is compiled (external libsrtp2) but disabled per account until our
#     own fixes for CVE-2026-57162 and CVE-2023-38703 land.
#   - No SIP TLS, STUN, ICE, TURN, Opus or video in pjsua2; no DNS nameserver.
#   - The Python edge trims SDP before it reaches pjmedia (m= and a=crypto
#     counts, ICE attributes, multipart/XML bodies, PTs without rtpmap).
#
# pjproject advisories published since 2.12.1 (March 2022), reviewed 2026-11,
# and their status in this build:
#
#   advisory                      where                     status here
#   CVE-2022-31031                pjlib-util STUN           fixed in tree (Jami's 2022 fixes); STUN off
#   CVE-2022-39244                SIP/RTP/SDP parsers       fixed in tree
#   CVE-2022-39269                SRTP restart -> RTP       fixed in tree; SRTP disabled
#   CVE-2022-23537, -23547        pjnath STUN over-read     fixed in tree; STUN off
#   CVE-2023-27585                DNS parser                FIXED: Debian's CVE-2023-27585_ring.patch
#   (none)                        DNS compression pointer   FIXED: patches/0001 (over-read past Debian's fix)
#   CVE-2023-38703                SRTP use-after-free       open; SRTP disabled per account
#   CVE-2025-65102                Opus PLC                  not built (--disable-opus)
#   CVE-2026-25994, -32942        ICE                       open; ICE off
#   CVE-2026-26967, -26203, -34235  H.264/VP9 packetizers   not built (--disable-video)
#   CVE-2026-40614                Opus decode               not built
#   CVE-2026-29068                Speex/Opus frame count    not built (--disable-speex-codec)
#   CVE-2026-32945                DNS name length           open; no nameserver configured
#   CVE-2026-33069                multipart over-read 1-2 B open; low; the edge refuses multipart bodies
#   CVE-2026-41415                multipart Content-ID      open; code path unused
#   CVE-2026-28799                evsub UAF (SUBSCRIBE)     open; the edge never forwards SUBSCRIBE here
#   CVE-2026-40892                digest2 stack overflow    not affected (no digest2 in 2.12.1)
#   CVE-2026-41416                asymmetric ptime          path unused (no codec sets enc_ptime)
#   CVE-2026-42225, -57163, GHSA-382p-87mh-r3q8, GHSA-wm98-82v7-vjw2  TLS   not built (--disable-ssl)
#   CVE-2026-57159                sdp_neg remote PT map     feature absent in 2.12.1
#   CVE-2026-57161                Service-Route overflow    open; only from a REGISTER 2xx, pjsua2 never registers
#   CVE-2026-57162                SDES a=crypto tags[64]    open; SRTP disabled, the edge caps a=crypto at 4
#   GHSA-pvmg-ph43-54r2           DNS response validation   open; no nameserver configured
#   (none)                        dynamic PT without rtpmap FIXED: patches/0002 (abort on "0 101 101" answers)
#
set -euo pipefail
shopt -s nullglob

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PYTHON="${1:-${PYTHON:-$root/.venv/bin/python}}"
# Absolute, without resolving the symlink (a venv's python must stay the venv's).
PYTHON="$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")"
JAMI_VERSION="20230206.0~ds2-1.1+deb12u1"
PJ_COMMIT="3b78ef1c48732d238ba284cdccb04dc6de79c54f"
CACHE_ROOT="${TONGDAI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tongdai}"
JOBS="${JOBS:-$(nproc)}"

log() { printf '[pjsua2] %s\n' "$*" >&2; }

# What the build depends on: any change here makes a new cache entry.
pyabi="$("$PYTHON" -c 'import sys, sysconfig; print(sys.implementation.cache_tag, sysconfig.get_config_var("EXT_SUFFIX"))')"
key="$( { cat "$here/build.sh" "$here/config_site.h" "$here"/patches/*.patch /dev/null;
          echo "$JAMI_VERSION $PJ_COMMIT $pyabi $(uname -m)"; } | sha256sum | cut -c1-16)"
out="$CACHE_ROOT/pjsua2-$key"
site="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')"

install_from_cache() {
    # cp then mv: a new inode, so processes still running the old module keep it intact.
    for f in "$out"/pjsua2.py "$out"/_pjsua2*.so; do
        cp "$f" "$site/.$(basename "$f").new" && mv -f "$site/.$(basename "$f").new" "$site/$(basename "$f")"
    done
    echo "$key" > "$site/pjsua2.tongdai-build"
    log "installed build $key into $site"
}

if [ -f "$out/ok" ]; then
    if [ "$(cat "$site/pjsua2.tongdai-build" 2>/dev/null)" != "$key" ]; then
        install_from_cache
    fi
    exit 0
fi

# --- build dependencies (Debian) ---------------------------------------------
need_pkgs=(dpkg-dev swig g++ make pkg-config libssl-dev libsrtp2-dev libgsm1-dev uuid-dev)
missing=()
for p in "${need_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
srcs_list=/etc/apt/sources.list.d/tongdai-deb-src.sources
have_src() { grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; }
if [ "${#missing[@]}" -gt 0 ] || ! have_src; then
    if [ "$(id -u)" != 0 ]; then
        log "needs root to install: ${missing[*]} (and a deb-src entry); run: sudo $0"
        exit 1
    fi
    if ! have_src; then
        codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
        cat > "$srcs_list" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
    apt-get update -qq
    [ "${#missing[@]}" -gt 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# --- source: pjproject from Debian's jami source package ---------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/tongdai-pjsua2.XXXXXX")"
trap 'rm -rf "$work"' EXIT
src_cache="$CACHE_ROOT/src"
mkdir -p "$src_cache"
origs=("$src_cache"/ring_*.orig.tar.gz)
debs=("$src_cache"/ring_*.debian.tar.xz)
if [ "${#origs[@]}" -eq 0 ] || [ "${#debs[@]}" -eq 0 ]; then
    log "downloading Debian source package jami=$JAMI_VERSION"
    (cd "$src_cache" && apt-get source --download-only "jami=$JAMI_VERSION" >/dev/null 2>&1) ||
        (cd "$src_cache" && apt-get source --download-only jami >/dev/null)
    origs=("$src_cache"/ring_*.orig.tar.gz)
    debs=("$src_cache"/ring_*.debian.tar.xz)
fi
orig="${origs[0]}"
debian_tar="${debs[0]}"
tar -xzf "$orig" -C "$work" --wildcards "*/tarballs-unpacked/pjproject-$PJ_COMMIT*"
tar -xJf "$debian_tar" -C "$work" debian/patches/CVE-2023-27585_ring.patch
pj="$(ls -d "$work"/*/daemon/contrib/tarballs-unpacked/pjproject-*/pjproject-"$PJ_COMMIT")"

log "patching"
# Debian's patch is written against the whole jami tree: -p6 strips the path
# down to the pjproject root.
patch -d "$pj" -p6 --quiet < "$work/debian/patches/CVE-2023-27585_ring.patch"
for p in "$here"/patches/*.patch; do
    log "  $(basename "$p")"
    patch -d "$pj" -p1 --quiet < "$p"
done
cp "$here/config_site.h" "$pj/pjlib/include/pj/config_site.h"

log "configuring"
(cd "$pj" && ./aconfigure --enable-epoll --disable-video --disable-sound \
    --with-external-gsm --with-external-srtp \
    --disable-speex-codec --disable-speex-aec --disable-ilbc-codec --disable-g7221-codec \
    --disable-ssl --disable-opus --disable-silk --disable-opencore-amr --disable-bcg729 \
    --disable-libyuv --disable-libwebrtc --disable-sdl --disable-ffmpeg --disable-v4l2 \
    --disable-openh264 --disable-vpx \
    CFLAGS="-O2 -fPIC" CXXFLAGS="-O2 -fPIC" >"$work/configure.log" 2>&1) ||
    { tail -30 "$work/configure.log"; exit 1; }

log "building C libraries (about 90 s on 2 cores)"
(cd "$pj" && make dep >"$work/make.log" 2>&1 && make -j"$JOBS" lib >>"$work/make.log" 2>&1) ||
    { tail -40 "$work/make.log"; exit 1; }

log "building the SWIG Python module (about 2 min)"
py="$pj/pjsip-apps/src/swig/python"
(cd "$py" && make pjsua2_wrap.cpp >"$work/swig.log" 2>&1 &&
    "$PYTHON" setup.py build >>"$work/swig.log" 2>&1) ||
    { tail -40 "$work/swig.log"; exit 1; }

mkdir -p "$out.tmp"
cp "$py"/pjsua2.py "$out.tmp"/
cp "$py"/build/lib*/_pjsua2*.so "$out.tmp"/
strip --strip-unneeded "$out.tmp"/_pjsua2*.so
{ echo "key=$key"; echo "jami=$JAMI_VERSION"; echo "pjproject=$PJ_COMMIT"; echo "python=$pyabi";
  echo "built=$(date -u +%FT%TZ)"; } > "$out.tmp/BUILD-INFO"
touch "$out.tmp/ok"
rm -rf "$out" && mv "$out.tmp" "$out"
install_from_cache
