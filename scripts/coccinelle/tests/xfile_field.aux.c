// SPDX-License-Identifier: GPL-2.0-only
/* The other file of the xfile_field driver: releases the page. */
#include "xfile_field.aux.h"

int foo_vm_destroy(struct foo_vm *vm)
{
	if (vm->monitor_page) {
		put_page(vm->monitor_page);
		vm->monitor_page = NULL;
	}
	return 0;
}
