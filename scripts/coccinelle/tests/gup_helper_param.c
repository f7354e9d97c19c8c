// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vmci_queue_pair.c shape: a static helper releases its parameter and
 * is only called with GUP pages; FOLL_GET alone becomes 0.
 */
struct q {
	struct page **header_page;
	u64 num_pages;
};

static void q_release_pages(struct page **pages, u64 num_pages, bool dirty)
{
	int i;

	for (i = 0; i < num_pages; i++) {
		if (dirty)
			set_page_dirty_lock(pages[i]);

		put_page(pages[i]);
		pages[i] = NULL;
	}
}

static int q_get_user_memory(u64 uva, struct q *q)
{
	int retval;

	retval = get_user_pages_unlocked((uintptr_t)uva, q->num_pages,
					 q->header_page, FOLL_GET);
	if (retval < (int)q->num_pages) {
		if (retval > 0)
			q_release_pages(q->header_page, retval, false);
		return -ENOMEM;
	}
	return 0;
}

static void q_unregister(struct q *q)
{
	q_release_pages(q->header_page, q->num_pages, true);
	memset(q->header_page, 0, sizeof(*q->header_page) * q->num_pages);
}
