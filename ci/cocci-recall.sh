#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# make check's recall test of gup_to_pin.cocci (TAP 13 on stdout):
#   ci/cocci-recall.sh KSRC
# Runs ci/cocci-recall.py on the fixed subset ci/cocci/recall-subset.txt
# of upstream's pin_user_pages*() users in KSRC (a pristine 6.12 tree):
# fails when a file's round trip is not the expected one or when any
# region is converted differently from upstream.  The whole-tree run is
# `make cocci-recall` (reports/cocci-recall.md).
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
KSRC=${1:?usage: $0 KSRC}
if ! command -v "${SPATCH:-spatch}" >/dev/null 2>&1; then
	echo "TAP version 13"
	echo "1..1"
	echo "ok 1 - cocci recall # SKIP spatch not installed"
	exit 0
fi
exec python3 "$HERE/ci/cocci-recall.py" "$KSRC" \
	--subset "$HERE/ci/cocci/recall-subset.txt" --tap
