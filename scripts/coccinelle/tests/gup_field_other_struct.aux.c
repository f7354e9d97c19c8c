// SPDX-License-Identifier: GPL-2.0-only
/*
 * Companion of gup_field_other_struct.c: ->pages of another struct, and
 * a use of hl_userptr whose field is not ->pages.
 */
#include "gup_field_other_struct.aux.h"

static void dump_pack(struct hl_vm_phys_pg_pack *phys_pg_pack,
		      struct hl_userptr *userptr)
{
	u64 j;

	for (j = 0; j < phys_pg_pack->npages; j++)
		pr_info("0x%llx\n", phys_pg_pack->pages[j]);
	pr_info("%llu\n", userptr->npages);
}
