// SPDX-License-Identifier: GPL-2.0-only
/* A single page written by the CPU through kmap() (pin_user_pages.rst case 5). */
struct ctx {
	struct page *notify_page;
	void *notify;
};

static int ctx_setup_notify(struct ctx *ctx, unsigned long uva)
{
	struct page *page;
	int ret;

	ret = get_user_pages_unlocked(uva, 1, &page, FOLL_WRITE | FOLL_GET);
	if (ret != 1)
		return -EFAULT;

	ctx->notify_page = page;
	ctx->notify = kmap(page) + (uva & ~PAGE_MASK);
	return 0;
}

static void ctx_unset_notify(struct ctx *ctx)
{
	struct page *notify_page = ctx->notify_page;

	ctx->notify_page = NULL;
	if (notify_page) {
		kunmap(notify_page);
		set_page_dirty_lock(notify_page);
		put_page(notify_page);
	}
}
