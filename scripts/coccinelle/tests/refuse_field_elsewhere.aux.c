// SPDX-License-Identifier: GPL-2.0-only
/* Companion of refuse_field_elsewhere.c: the release lives here. */
void ctx_unset_notify(struct vmci_ctx *context)
{
	struct page *notify_page = context->notify_page;

	context->notify_page = NULL;
	if (notify_page) {
		kunmap(notify_page);
		put_page(notify_page);
	}
}
