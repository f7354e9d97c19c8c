#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the build and tests need. Runs apt-get only
# when something is missing; as non-root it names what to install instead.
set -euo pipefail

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev cpio rsync kmod
	python3 perl quilt ccache sparse coccinelle linux-source-6.12
	qemu-system-x86 coreutils procps iproute2
	libcap-dev libnuma-dev liburing-dev pkg-config
	rdma-core ibverbs-providers ibverbs-utils libibverbs-dev python3-pyverbs
	dosfstools e2fsprogs trace-cmd
)
[ -n "${EXTRA_PKGS:-}" ] && read -r -a extra <<<"$EXTRA_PKGS" && PKGS+=("${extra[@]}")

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "error: missing Debian packages: ${missing[*]}" >&2
	echo "       install them with: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "==> installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
