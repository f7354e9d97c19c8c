// SPDX-License-Identifier: GPL-2.0-only
/*
 * Typed fields (gntdev): ->pages of struct foo_batch holds GUP pages,
 * ->pages of struct foo_map holds pages that are handed to a function of
 * another directory.  The two are different storage: only the batch is
 * converted.
 */
struct foo_map {
	struct page **pages;
	int count;
};

struct foo_batch {
	struct page *pages[16];
	int nr_pages;
};

static void foo_map_free(struct foo_map *map)
{
	foo_grant_free_pages(map->count, map->pages);
}

static int foo_batch_get(struct foo_batch *batch, unsigned long addr)
{
	struct page *page;
	int ret;

	ret = get_user_pages_fast(addr, 1, FOLL_WRITE, &page);
	if (ret < 0)
		return ret;
	batch->pages[batch->nr_pages++] = page;
	return 0;
}

static void foo_batch_put(struct foo_batch *batch)
{
	release_pages(batch->pages, batch->nr_pages);
	batch->nr_pages = 0;
}
