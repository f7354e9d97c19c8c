/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Header helper of the refuse_facts_accessor test: it returns the page
 * array of vec->ptrs or that of vec->spare, so it is not an accessor of
 * one field, and the pages it returns are of unknown origin.
 */
static inline struct page **quy_vec_pages(struct quy_vec *vec)
{
	if (vec->use_spare)
		return vec->spare;
	return (struct page **)(vec->ptrs);
}
