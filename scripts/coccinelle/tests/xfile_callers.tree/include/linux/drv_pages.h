/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel tree around xfile_callers.c: one helper is a public API. */
int drv_get_one(unsigned long vaddr, struct page **page);
