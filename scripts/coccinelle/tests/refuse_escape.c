// SPDX-License-Identifier: GPL-2.0-only
/* The pages reach a function of another file that may release them. */
static int foo_submit_user(unsigned long uaddr, int n)
{
	struct page *pages[16];
	int got, i;

	got = get_user_pages_fast(uaddr, n, 0, pages);
	if (got <= 0)
		return -EFAULT;
	if (foo_hw_submit(pages, got) < 0) {
		for (i = 0; i < got; i++)
			put_page(pages[i]);
		return -EIO;
	}
	return 0;
}
