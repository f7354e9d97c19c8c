// SPDX-License-Identifier: GPL-2.0-only
/* The 2019 put_user_page*() names (out-of-tree trees still have them). */
struct umem {
	struct page **pages;
	unsigned long npages;
	struct page *hdr;
};

static int umem_get(struct umem *u, unsigned long start)
{
	long got;

	got = get_user_pages_remote(current->mm, start, u->npages,
				    FOLL_GET | FOLL_WRITE | FOLL_LONGTERM,
				    u->pages, NULL);
	if (got != u->npages) {
		if (got > 0)
			put_user_pages(u->pages, got);
		return -EFAULT;
	}
	if (get_user_pages_fast(start - PAGE_SIZE, 1, 0, &u->hdr) != 1) {
		put_user_pages_dirty(u->pages, u->npages);
		return -EFAULT;
	}
	return 0;
}

static void umem_release(struct umem *u, bool dirty)
{
	put_user_pages_dirty_lock(u->pages, u->npages, dirty);
	put_user_page(u->hdr);
}
