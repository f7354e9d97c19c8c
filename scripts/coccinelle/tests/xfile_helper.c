// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cross-file conversion through a helper: a local array is passed to a
 * helper of another file of the same driver that maps the pages for DMA
 * and releases them (foo_map_and_put() in xfile_helper.aux.c).  In one
 * group, the helper's parameter joins the array: both files convert.
 */
static int foo_xfer(struct device *dev, unsigned long uaddr, int n)
{
	struct page *pages[8];
	int got;

	got = get_user_pages_fast(uaddr, n, 0, pages);
	if (got <= 0)
		return -EFAULT;
	return foo_map_and_put(dev, pages, got);
}
