// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mthca_memfree.c and usnic_uiom.c shapes: the pages are kept in
 * scatterlist entries (sg_set_page()) and released from there,
 * put_page(sg_page()).  The entries only hold the GUP pages and are only
 * given to the DMA API, so those put_page() calls release them.  The
 * ICM chunks of the same file keep pages from alloc_pages() in the ->mem
 * of another struct: they are other storage.
 */
struct db_table {
	struct mutex mutex;
	struct {
		u64 uvirt;
		struct scatterlist mem;
		int refcount;
	} page[];
};

struct icm_chunk {
	int npages;
	struct scatterlist mem[8];
};

struct uiom_chunk {
	struct list_head list;
	int nents;
	struct scatterlist page_list[];
};

static int alloc_icm_pages(struct scatterlist *mem, int order)
{
	struct page *page = alloc_pages(GFP_KERNEL, order);

	if (!page)
		return -ENOMEM;
	sg_set_page(mem, page, PAGE_SIZE << order, 0);
	return 0;
}

static int add_chunk(struct icm_chunk *chunk)
{
	return alloc_icm_pages(&chunk->mem[chunk->npages], 0);
}

static int map_user_db(struct device *dev, struct db_table *db_tab, int i,
		       u64 uaddr)
{
	struct page *pages[1];
	int ret;

	ret = get_user_pages_fast(uaddr & PAGE_MASK, 1,
				  FOLL_WRITE | FOLL_LONGTERM, pages);
	if (ret < 0)
		return ret;

	sg_set_page(&db_tab->page[i].mem, pages[0], PAGE_SIZE,
		    uaddr & ~PAGE_MASK);

	ret = dma_map_sg(dev, &db_tab->page[i].mem, 1, DMA_TO_DEVICE);
	if (ret < 0) {
		put_page(pages[0]);
		return ret;
	}
	db_tab->page[i].uvirt = uaddr;
	db_tab->page[i].refcount = 1;
	return 0;
}

static void cleanup_user_db_tab(struct device *dev, struct db_table *db_tab,
				int n)
{
	int i;

	for (i = 0; i < n; ++i) {
		if (db_tab->page[i].uvirt) {
			dma_unmap_sg(dev, &db_tab->page[i].mem, 1,
				     DMA_TO_DEVICE);
			put_page(sg_page(&db_tab->page[i].mem));
		}
	}
	kfree(db_tab);
}

static void uiom_put_pages(struct list_head *chunk_list, int dirty)
{
	struct uiom_chunk *chunk, *tmp;
	struct page *page;
	struct scatterlist *sg;
	int i;

	list_for_each_entry_safe(chunk, tmp, chunk_list, list) {
		for_each_sg(chunk->page_list, sg, chunk->nents, i) {
			page = sg_page(sg);
			if (dirty)
				set_page_dirty_lock(page);
			put_page(page);
		}
		kfree(chunk);
	}
}

static int uiom_get_pages(unsigned long addr, int npages,
			  struct list_head *chunk_list)
{
	struct page **page_list;
	struct uiom_chunk *chunk;
	struct scatterlist *sg;
	int ret, i;

	page_list = (struct page **) __get_free_page(GFP_KERNEL);
	if (!page_list)
		return -ENOMEM;

	ret = get_user_pages(addr, npages, FOLL_WRITE, page_list);
	if (ret < 0)
		goto out;

	chunk = kmalloc(struct_size(chunk, page_list, ret), GFP_KERNEL);
	if (!chunk) {
		release_pages(page_list, ret);
		ret = -ENOMEM;
		goto out;
	}
	chunk->nents = ret;
	sg_init_table(chunk->page_list, chunk->nents);
	for_each_sg(chunk->page_list, sg, chunk->nents, i)
		sg_set_page(sg, page_list[i], PAGE_SIZE, 0);
	list_add_tail(&chunk->list, chunk_list);
	ret = 0;
out:
	free_page((unsigned long) page_list);
	return ret;
}

static int uiom_reg(unsigned long addr, int npages)
{
	LIST_HEAD(chunk_list);
	int ret;

	ret = uiom_get_pages(addr, npages, &chunk_list);
	if (!ret)
		uiom_put_pages(&chunk_list, 1);
	return ret;
}
