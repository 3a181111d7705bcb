#!/usr/bin/env bash
# Install the Debian packages Tongdai needs, when they are missing.
#   image/deps.sh run    building and running the service
#   image/deps.sh test   running the test suite (SIP peers, audio tools)
# The pjsua2 build's own packages are installed by image/pjsua2/build.sh.
set -euo pipefail

run_pkgs=(python3 python3-venv python3-dev build-essential espeak-ng sox libsox-fmt-mp3)
test_pkgs=(sip-tester chromium)  # chromium: the console's browser tests (Playwright)
command -v npm >/dev/null 2>&1 || run_pkgs+=(nodejs npm)

case "${1:-run}" in
    run) want=("${run_pkgs[@]}") ;;
    test) want=("${test_pkgs[@]}") ;;
    *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "Tongdai needs these Debian packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "installing Debian packages: ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
