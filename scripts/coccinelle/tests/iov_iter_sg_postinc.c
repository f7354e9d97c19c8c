// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost scsi shape: iov_iter_get_pages2() pages go into the
 * command's scatterlist through sg_set_page(sg++, pages[i++], ...), the
 * same scatterlist also holds alloc_page() pages (the copied path), and
 * the release, chosen at run time, is put_page() or __free_page() of
 * sg_page().  sg++ is the storage sg, so the pages are followed into
 * the scatterlist: keep, not convertible.
 */
struct zed_cmd {
	struct scatterlist sgl[8];
	struct page *pages[8];
	int n;
	bool copied;
};

static int zed_map(struct zed_cmd *cmd, struct iov_iter *iter)
{
	struct scatterlist *sg = cmd->sgl;
	struct page **pages = cmd->pages;
	size_t off;
	ssize_t bytes;
	int i = 0, n;

	bytes = iov_iter_get_pages2(iter, pages, LONG_MAX, 8, &off);
	if (bytes <= 0)
		return -EFAULT;
	n = DIV_ROUND_UP(bytes + off, PAGE_SIZE);
	if (n > 4) {
		while (i < n)
			put_page(pages[i++]);
		return -EINVAL;
	}
	while (i < n)
		sg_set_page(sg++, pages[i++], PAGE_SIZE, 0);
	cmd->n = n;
	return 0;
}

static int zed_copy(struct zed_cmd *cmd, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct page *page = alloc_page(GFP_KERNEL);

		if (!page)
			return -ENOMEM;
		sg_set_page(&cmd->sgl[i], page, PAGE_SIZE, 0);
	}
	cmd->copied = true;
	cmd->n = n;
	return 0;
}

static void zed_release(struct zed_cmd *cmd)
{
	int i;

	for (i = 0; i < cmd->n; i++) {
		if (cmd->copied)
			__free_page(sg_page(&cmd->sgl[i]));
		else
			put_page(sg_page(&cmd->sgl[i]));
	}
}
