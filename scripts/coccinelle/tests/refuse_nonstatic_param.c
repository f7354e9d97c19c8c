// SPDX-License-Identifier: GPL-2.0-only
/* The array comes from callers in other files: they release it. */
int foo_get_user(unsigned long uaddr, int n, struct page **pages)
{
	int got;

	got = get_user_pages_fast(uaddr, n, FOLL_WRITE, pages);
	if (got > 0 && got < n) {
		release_pages(pages, got);
		return -EFAULT;
	}
	return got;
}
