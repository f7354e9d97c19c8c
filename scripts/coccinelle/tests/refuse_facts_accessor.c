// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tree-wide facts: quy_vec_pages() (include/linux/quy_vec.h) returns the
 * array of one of two fields, so what it returns is not known to be the
 * pages of vec->ptrs: the site is refused.
 */
int quy_get_frames(unsigned long start, unsigned int n, struct quy_vec *vec)
{
	int ret;

	ret = get_user_pages_fast(start, n, FOLL_WRITE,
				  (struct page **)(vec->ptrs));
	vec->nr = ret > 0 ? ret : 0;
	return ret;
}

void quy_put_frames(struct quy_vec *vec)
{
	struct page **pages;

	pages = quy_vec_pages(vec);
	if (WARN_ON(IS_ERR(pages)))
		return;
	release_pages(pages, vec->nr);
	vec->nr = 0;
}
