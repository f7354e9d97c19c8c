// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vmci_host.c shape: the page is stored in a field that another file
 * of the directory (refuse_field_elsewhere.aux.c) releases.
 */
static int host_setup_notify(struct vmci_ctx *context, unsigned long uva)
{
	struct page *page;

	if (get_user_pages_fast(uva, 1, FOLL_WRITE, &page) != 1)
		return -EFAULT;
	context->notify_page = page;
	context->notify = kmap(context->notify_page) + (uva & (PAGE_SIZE - 1));
	return 0;
}
