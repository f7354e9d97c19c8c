// SPDX-License-Identifier: GPL-2.0-only
/*
 * iov_iter_get_pages2() users: one whose pages stay in the file
 * (convertible to iov_iter_extract_pages()), one whose pages go into an
 * skb and are dropped by the network stack with put_page() (keep).
 */
static int copy_from_user_iter(struct iov_iter *uiter, void *buf, size_t len)
{
	struct page *pages[4];
	size_t off;
	ssize_t n;
	int i, nr;

	n = iov_iter_get_pages2(uiter, pages, len, 4, &off);
	if (n <= 0)
		return n;
	nr = DIV_ROUND_UP(n + off, PAGE_SIZE);
	for (i = 0; i < nr; i++) {
		void *va = kmap_local_page(pages[i]);

		memcpy(buf, va, PAGE_SIZE);
		kunmap_local(va);
		put_page(pages[i]);
	}
	return 0;
}

static int zerocopy_fill(struct sk_buff *skb, struct iov_iter *from)
{
	struct page *pages[MAX_SKB_FRAGS];
	size_t start;
	ssize_t copied;

	copied = iov_iter_get_pages2(from, pages, ~0UL, MAX_SKB_FRAGS, &start);
	if (copied < 0)
		return -EFAULT;
	skb_fill_page_desc_noacc(skb, 0, pages[0], start, copied);
	return 0;
}
