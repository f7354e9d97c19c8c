/* SPDX-License-Identifier: GPL-2.0-only */
struct foo_vm {
	struct page *monitor_page;
};
