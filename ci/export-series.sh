#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Export patches/series as a numbered git format-patch style series in
# build/series/ (0001-*.patch ...), ready for git send-email. New files are
# folded into the patch that adds them (patches/new-files), so the series
# applies with `git am` or `patch -p1` to a plain 6.12.y tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OUT=${1:-$BUILD/series}
rm -rf "$OUT"
python3 "$TOP/ci/series.py" export "$OUT" "$(cat "$BUILD/BASE_VERSION" 2>/dev/null || echo unknown)"
