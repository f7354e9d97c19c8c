// SPDX-License-Identifier: GPL-2.0-only
/*
 * A page stored with cmpxchg() is an assignment: map->bounce holds the
 * driver's own alloc_page() pages (vduse's bounce pages), so its
 * __free_page() is not a release of pages of unknown origin and does not
 * block the conversion of the user pages in map->user.
 */
struct zap_map {
	struct page *bounce;
	struct page **user;
	int n;
};

static int zap_bounce(struct zap_map *map)
{
	struct page *tmp;

	if (!map->bounce) {
		tmp = alloc_page(GFP_KERNEL);
		if (!tmp)
			return -ENOMEM;
		if (cmpxchg(&map->bounce, NULL, tmp))
			__free_page(tmp);
	}
	return 0;
}

static void zap_free(struct zap_map *map)
{
	__free_page(map->bounce);
	map->bounce = NULL;
}

static int zap_user(struct zap_map *map, unsigned long uaddr, int n)
{
	int got = get_user_pages_fast(uaddr, n, FOLL_WRITE, map->user);

	if (got != n) {
		if (got > 0)
			release_pages(map->user, got);
		return -EFAULT;
	}
	map->n = n;
	return 0;
}

static void zap_unuser(struct zap_map *map)
{
	release_pages(map->user, map->n);
}
