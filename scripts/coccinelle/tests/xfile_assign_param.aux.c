// SPDX-License-Identifier: GPL-2.0-only
/* The caller of sink_fill(): a page array of its own, allocated here. */
static int sink_user(struct sink *s, unsigned long uaddr, int n)
{
	struct page **pages = kcalloc(n, sizeof(*pages), GFP_KERNEL);
	int ret;

	if (!pages)
		return -ENOMEM;
	ret = sink_fill(s, uaddr, n, pages);
	if (ret > 0)
		sink_drop(s);
	kfree(pages);
	return ret;
}
