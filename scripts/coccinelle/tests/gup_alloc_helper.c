// SPDX-License-Identifier: GPL-2.0-only
/*
 * A helper of the file that allocates the page array (iommufd's
 * temp_kmalloc()): every value it returns is kmalloc()/kvmalloc() memory,
 * NULL or the backup array its caller gave.  What it returns is storage
 * for page pointers, not a source of pages, so the call converts.
 */
static void *wob_alloc(size_t *size, void *backup, size_t backup_len)
{
	void *res;

	if (*size < backup_len)
		return backup;
	res = kmalloc(*size, GFP_KERNEL | __GFP_NOWARN);
	if (res)
		return res;
	return kvmalloc(*size, GFP_KERNEL);
}

static int wob_touch(unsigned long uaddr, int n)
{
	size_t size = n * sizeof(struct page *);
	struct page **pages = wob_alloc(&size, NULL, 0);
	int got;

	if (!pages)
		return -ENOMEM;
	got = get_user_pages_fast(uaddr, n, FOLL_WRITE, pages);
	if (got > 0)
		release_pages(pages, got);
	kvfree(pages);
	return got < 0 ? got : 0;
}
