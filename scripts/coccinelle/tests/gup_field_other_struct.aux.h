/* SPDX-License-Identifier: GPL-2.0-only */
/* Companion of gup_field_other_struct.c: two structs with ->pages. */
struct hl_userptr {
	struct page **pages;
	u64 npages;
};

struct hl_vm_phys_pg_pack {
	u64 *pages;
	u64 npages;
};
