// SPDX-License-Identifier: GPL-2.0-only
/* The other file of the xfile_callers driver: the GUP helpers. */
int drv_acquire_user_pages(unsigned long vaddr, size_t npages, bool writable,
			   struct page **pages)
{
	unsigned int gup_flags = FOLL_LONGTERM | (writable ? FOLL_WRITE : 0);

	return get_user_pages_fast(vaddr, npages, gup_flags, pages);
}

void drv_release_user_pages(struct page **p, size_t npages, bool dirty)
{
	put_user_pages_dirty_lock(p, npages, dirty);
}

int drv_get_one(unsigned long vaddr, struct page **page)
{
	return get_user_pages_fast(vaddr, 1, FOLL_WRITE, page);
}
