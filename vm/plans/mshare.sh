#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Only the msharefs test: SKIP_HOST=1 ci/check.sh vm/plans/mshare.sh
set -euo pipefail
echo "mshare|300||tap|$1/mshare"
