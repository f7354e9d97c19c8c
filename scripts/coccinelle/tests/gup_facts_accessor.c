// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tree-wide facts: qux_vec_pages() (include/linux/qux_vec.h) returns the
 * array of vec->ptrs, so the pages it gives are those that
 * get_user_pages_fast() put there (media's frame_vector_pages()), and
 * their release_pages() converts with the call.
 */
int qux_get_frames(unsigned long start, unsigned int n, struct qux_vec *vec)
{
	int ret;

	ret = get_user_pages_fast(start, n, FOLL_WRITE,
				  (struct page **)(vec->ptrs));
	vec->nr = ret > 0 ? ret : 0;
	return ret;
}

void qux_put_frames(struct qux_vec *vec)
{
	struct page **pages;

	pages = qux_vec_pages(vec);
	if (WARN_ON(IS_ERR(pages)))
		return;
	release_pages(pages, vec->nr);
	vec->nr = 0;
}
