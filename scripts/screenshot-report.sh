#!/usr/bin/env bash
# Screenshot of a kdrsim report's index.html in headless Chromium, to look at
# the page as a reader will (layout, charts, escaping) without a desktop.
#
#   scripts/screenshot-report.sh [REPORT_DIR] [OUT_PNG]
#
# WINDOW=1400,6000 makes the window (and so the screenshot) taller.
# REPORT_DIR defaults to kdrsim-report (written by `cargo run --release`,
# which this script runs first when the directory has no index.html);
# OUT_PNG defaults to REPORT_DIR/screenshot.png. On Debian, as root, Debian's
# chromium package is installed when no chromium is found. Chromium runs with
# networking features off and a throw-away profile: the page must render from
# local files alone.
set -euo pipefail

cd "$(dirname "$0")/.."
dir="${1:-kdrsim-report}"
out="${2:-$dir/screenshot.png}"

if [ ! -f "$dir/index.html" ]; then
    if [ "$dir" = "kdrsim-report" ]; then
        cargo run --release --quiet >/dev/null
    else
        echo "no $dir/index.html; run kdrsim compare --out $dir first" >&2
        exit 2
    fi
fi

browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
        browser="$(command -v chromium)"
    else
        echo "chromium not found; install Debian's chromium package" >&2
        exit 1
    fi
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
page="file://$(cd "$dir" && pwd)/index.html"
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$profile" --window-size="${WINDOW:-1400,3000}" \
    --screenshot="$(realpath -m "$out")" "$page" 2>/dev/null
echo "$out"
