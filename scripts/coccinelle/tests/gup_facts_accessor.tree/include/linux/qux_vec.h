/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Header accessor of the gup_facts_accessor test (after
 * frame_vector_pages()): it returns the page array kept in vec->ptrs,
 * or an error.
 */
int qux_vec_to_pages(struct qux_vec *vec);

static inline struct page **qux_vec_pages(struct qux_vec *vec)
{
	if (vec->is_pfns) {
		int err = qux_vec_to_pages(vec);

		if (err)
			return ERR_PTR(err);
	}
	return (struct page **)(vec->ptrs);
}
