// SPDX-License-Identifier: GPL-2.0-only
/*
 * The driver takes a reference of its own on a GUP page with get_page()
 * and drops it with put_page() (vduse's bounce map): that put_page() is
 * not the release of the GUP reference and must stay, but no rule tells
 * it from the one that is.  Refused, naming the get_page().
 */
struct vex_map {
	struct page **pages;
	struct page *keep;
	int n;
};

static void vex_keep(struct vex_map *map, struct page **pages)
{
	get_page(pages[0]);
	map->keep = pages[0];
}

static void vex_unkeep(struct vex_map *map)
{
	put_page(map->keep);
	map->keep = NULL;
}

static int vex_reg(struct vex_map *map, unsigned long uaddr, int n)
{
	int got = get_user_pages_fast(uaddr, n, FOLL_WRITE, map->pages);

	if (got != n) {
		if (got > 0)
			release_pages(map->pages, got);
		return -EFAULT;
	}
	map->n = n;
	vex_keep(map, map->pages);
	return 0;
}

static void vex_dereg(struct vex_map *map)
{
	vex_unkeep(map);
	release_pages(map->pages, map->n);
}
