#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest only: two soft-RoCE devices on a veth pair, traffic kept inside the
# guest (rxe0 on veth0, rxe1 on veth1; GID 0 is the link-local address).
# Idempotent: every RDMA test of the plans calls it first. Exit 0 when both
# ports are ACTIVE with a GID 0, 1 otherwise (with the reason on stderr).
PATH=/usr/sbin:/usr/bin:/sbin:/bin

ip link set lo up
ip link show veth0 >/dev/null 2>&1 ||
	ip link add veth0 type veth peer name veth1 || exit 1
ip link set veth0 up && ip link set veth1 up || exit 1
for i in 0 1; do
	[ -d /sys/class/infiniband/rxe$i ] ||
		rdma link add rxe$i type rxe netdev veth$i || exit 1
done

# Wait (at most ~30 s under TCG) for the ports and their link-local GIDs.
zero=0000:0000:0000:0000:0000:0000:0000:0000
n=0
while :; do
	ok=1
	for i in 0 1; do
		p=/sys/class/infiniband/rxe$i/ports/1
		grep -q ACTIVE "$p/state" 2>/dev/null || ok=0
		g=$(cat "$p/gids/0" 2>/dev/null)
		[ -n "$g" ] && [ "$g" != "$zero" ] || ok=0
	done
	[ $ok = 1 ] && exit 0
	n=$((n + 1))
	if [ $n -ge 60 ]; then
		echo "rxe setup: ports not ready after 30s" >&2
		rdma link show >&2
		ip -6 addr >&2
		exit 1
	fi
	sleep 0.5
done
