#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the plan of `make`: pin accounting on the running test kernel.
set -euo pipefail
ST=$1
TOP=$(cd "$(dirname "$0")/../.." && pwd)
echo "pin-accounting|600||tap|$TOP/vm/demo-pin-accounting.sh $ST"
