// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cross-file conversion (acrn hsm.c/vm.c): the page is taken here and kept
 * in vm->monitor_page; the other file of the driver releases it.  Given to
 * spatch as one group (the directory), both files are converted in one run;
 * alone, this file is refused (refuse_field_elsewhere).
 */
#include "xfile_field.aux.h"

static long foo_ioctl(struct foo_vm *vm, unsigned long arg)
{
	struct page *page;
	int ret;

	ret = get_user_pages_fast(arg, 1, FOLL_WRITE | FOLL_LONGTERM, &page);
	if (unlikely(ret != 1) || IS_ERR_OR_NULL(page))
		return -EFAULT;
	if (vm->monitor_page)
		put_page(vm->monitor_page);
	vm->monitor_page = page;
	return 0;
}
