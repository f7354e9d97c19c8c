// SPDX-License-Identifier: GPL-2.0
/*
 * page_pin_tracker: exact, attributed FOLL_PIN accounting per 4 KiB page.
 *
 * Each page gets a 16-byte page_ext record: the number of FOLL_PIN
 * references on that page, the pid of the task that took the first pin
 * (plus a long-term flag), the stack depot handle of the GUP call that
 * took it and the jiffies of that first pin. The counts are maintained by
 * the hooks in mm/gup.c, checked when pages are freed, and listed in
 * debugfs. See Documentation/mm/page_pin_tracker.rst.
 */
#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/kstrtox.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/page_ext.h>
#include <linux/page_pin_tracker.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/uaccess.h>
#include <kunit/test.h>

#include "internal.h"

#undef pr_fmt
#define pr_fmt(fmt)	"page_pin_tracker: " fmt

/* A count that reaches PPT_COUNT_MAX sticks there: it is no longer exact. */
#define PPT_COUNT_MAX		INT_MAX
#define PPT_OWNER_LONGTERM	0x80000000U
#define PPT_OWNER_PID_MASK	0x3fffffffU
#define PPT_STACK_DEPTH		16

#ifdef CONFIG_SPARSEMEM
#define PPT_EXT_RUN		PAGES_PER_SECTION
#else
#define PPT_EXT_RUN		1UL	/* look every record up */
#endif

struct page_pin_rec {
	atomic_t count;			/* FOLL_PIN references on this page */
	u32 owner;			/* pid of the first pinner | LONGTERM */
	depot_stack_handle_t handle;	/* stack of the first pinning call */
	u32 since;			/* jiffies of the first pin */
};

static bool page_pin_tracker_on __initdata;
DEFINE_STATIC_KEY_FALSE(page_pin_tracker_key);
EXPORT_SYMBOL(page_pin_tracker_key);

static atomic_long_t ppt_bad_unpins = ATOMIC_LONG_INIT(0);
static atomic_long_t ppt_freed_pinned = ATOMIC_LONG_INIT(0);
static atomic_long_t ppt_saturated = ATOMIC_LONG_INIT(0);
/* One report per kind; the test trigger re-arms them. */
static bool ppt_warned_unpin;
static bool ppt_warned_free;
static pid_t ppt_filter_pid;

static int __init early_page_pin_tracker_param(char *buf)
{
	int ret = kstrtobool(buf, &page_pin_tracker_on);

	if (!ret && page_pin_tracker_on)
		stack_depot_request_early_init();
	return ret;
}
early_param("page_pin_tracker", early_page_pin_tracker_param);

static bool __init need_page_pin_tracker(void)
{
	return page_pin_tracker_on;
}

static void __init init_page_pin_tracker(void)
{
	if (!page_pin_tracker_on)
		return;
	static_branch_enable(&page_pin_tracker_key);
	pr_info("enabled, %zu bytes per page\n", sizeof(struct page_pin_rec));
}

struct page_ext_operations page_pin_tracker_ops = {
	.size = sizeof(struct page_pin_rec),
	.need = need_page_pin_tracker,
	.init = init_page_pin_tracker,
	.need_shared_flags = false,
};

static inline struct page_pin_rec *ppt_rec(struct page_ext *ext)
{
	return page_ext_data(ext, &page_pin_tracker_ops);
}

/*
 * Step to the record of @pfn, the @i-th page of a walk. page_ext is not
 * contiguous across memory sections (gigantic folios span several), so the
 * record is looked up again at each section boundary. The caller ends the
 * walk with ppt_ext_done().
 */
static struct page_ext *ppt_ext_next(struct page_ext *prev, unsigned long pfn,
				     unsigned long i)
{
	if (prev && i && (pfn & (PPT_EXT_RUN - 1)))
		return page_ext_next(prev);
	if (prev)
		page_ext_put(prev);
	return page_ext_get(pfn_to_page(pfn));
}

static void ppt_ext_done(struct page_ext *ext)
{
	if (ext)
		page_ext_put(ext);
}

static void ppt_record_first(struct page_pin_rec *rec, unsigned int gup_flags)
{
	u32 owner = task_pid_nr(current) & PPT_OWNER_PID_MASK;

	if (gup_flags & FOLL_LONGTERM)
		owner |= PPT_OWNER_LONGTERM;
	WRITE_ONCE(rec->handle, 0);
	WRITE_ONCE(rec->since, (u32)jiffies);
	WRITE_ONCE(rec->owner, owner);
}

static void ppt_pin_one(struct page_pin_rec *rec, unsigned int gup_flags)
{
	int old = atomic_fetch_add_unless(&rec->count, 1, PPT_COUNT_MAX);

	if (old == 0) {
		ppt_record_first(rec, gup_flags);
	} else if (old == PPT_COUNT_MAX - 1) {
		atomic_long_inc(&ppt_saturated);
	} else if ((gup_flags & FOLL_LONGTERM) &&
		   !(READ_ONCE(rec->owner) & PPT_OWNER_LONGTERM)) {
		WRITE_ONCE(rec->owner, READ_ONCE(rec->owner) | PPT_OWNER_LONGTERM);
	}
}

static void ppt_report(struct page *page, struct page_pin_rec *rec,
		       bool *warned, const char *what)
{
	depot_stack_handle_t handle = READ_ONCE(rec->handle);
	u32 owner = READ_ONCE(rec->owner);

	if (READ_ONCE(*warned))
		return;
	WRITE_ONCE(*warned, true);
	if (owner)
		pr_warn("%s: pfn 0x%lx, last pinned by pid %u%s\n", what,
			page_to_pfn(page), owner & PPT_OWNER_PID_MASK,
			owner & PPT_OWNER_LONGTERM ? " (long-term)" : "");
	else
		pr_warn("%s: pfn 0x%lx, not pinned since it was allocated\n",
			what, page_to_pfn(page));
	dump_page(page, what);
	if (handle) {
		pr_warn("pinned at:\n");
		stack_depot_print(handle);
	} else {
		pr_warn("no pin stack recorded\n");
	}
	WARN(1, "page_pin_tracker: %s\n", what);
}

/* Returns false when @rec had no pin to drop (a bad unpin). */
static bool ppt_unpin_one(struct page_pin_rec *rec)
{
	int old = atomic_read(&rec->count);

	do {
		if (old == 0)
			return false;
		if (old == PPT_COUNT_MAX)
			return true;
	} while (!atomic_try_cmpxchg(&rec->count, &old, old - 1));
	return true;
}

static void ppt_bad_unpin(struct page *page, struct page_pin_rec *rec)
{
	atomic_long_inc(&ppt_bad_unpins);
	ppt_report(page, rec, &ppt_warned_unpin,
		   "unpin of a page with no recorded pin");
}

void __page_pin_tracker_pin(struct folio *folio, struct page *page,
			    unsigned long nr, unsigned int gup_flags)
{
	struct page_ext *ext;
	unsigned long pfn, i;

	if (is_zero_folio(folio))
		return;
	pfn = page ? page_to_pfn(page) : folio_pfn(folio);
	for (i = 0, ext = NULL; i < nr; i++) {
		ext = ppt_ext_next(ext, pfn + i, i);
		if (ext)
			ppt_pin_one(ppt_rec(ext), gup_flags);
	}
	ppt_ext_done(ext);
}

void __page_pin_tracker_unpin(struct folio *folio, struct page *page,
			      unsigned long nr)
{
	struct page_ext *ext;
	struct page_pin_rec *rec;
	unsigned long pfn, i;

	if (is_zero_folio(folio))
		return;
	if (page) {
		pfn = page_to_pfn(page);
		for (i = 0, ext = NULL; i < nr; i++) {
			ext = ppt_ext_next(ext, pfn + i, i);
			if (!ext)
				continue;
			rec = ppt_rec(ext);
			if (!ppt_unpin_one(rec))
				ppt_bad_unpin(pfn_to_page(pfn + i), rec);
		}
		ppt_ext_done(ext);
		return;
	}

	/*
	 * Folio-level release (unpin_folio(), unpin_user_folio(), ...): the
	 * caller does not say which pages it pinned, so drop @nr pins from
	 * the first pinned pages of the folio. The folio's total stays exact.
	 */
	pfn = folio_pfn(folio);
	for (i = 0, ext = NULL; nr && i < folio_nr_pages(folio); i++) {
		ext = ppt_ext_next(ext, pfn + i, i);
		if (!ext)
			continue;
		rec = ppt_rec(ext);
		while (nr && atomic_read(&rec->count) && ppt_unpin_one(rec))
			nr--;
	}
	ppt_ext_done(ext);
	if (nr) {
		ext = page_ext_get(&folio->page);
		if (ext) {
			ppt_bad_unpin(&folio->page, ppt_rec(ext));
			page_ext_put(ext);
		}
	}
}

void __page_pin_tracker_unpin_pages(struct page **pages, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (pages[i])
			__page_pin_tracker_unpin(page_folio(pages[i]), pages[i], 1);
}

static depot_stack_handle_t ppt_save_stack(void)
{
	unsigned long entries[PPT_STACK_DEPTH];
	unsigned int n;

	n = stack_trace_save(entries, ARRAY_SIZE(entries), 2);
	return stack_depot_save(entries, n, GFP_NOWAIT | __GFP_NOWARN);
}

void __page_pin_tracker_attribute(struct page **pages, unsigned long nr)
{
	depot_stack_handle_t handle = 0;
	struct page_ext *ext;
	unsigned long i;

	for (i = 0; i < nr; i++) {
		struct page_pin_rec *rec;

		if (!pages[i] || is_zero_page(pages[i]))
			continue;
		ext = page_ext_get(pages[i]);
		if (!ext)
			continue;
		rec = ppt_rec(ext);
		if (atomic_read(&rec->count) && !READ_ONCE(rec->handle)) {
			if (!handle)
				handle = ppt_save_stack();
			WRITE_ONCE(rec->handle, handle);
		}
		page_ext_put(ext);
	}
}

bool __page_pin_tracker_pinned(struct page *page)
{
	struct page_ext *ext = page_ext_get(page);
	bool pinned;

	if (!ext)
		return true;
	pinned = atomic_read(&ppt_rec(ext)->count) > 0;
	page_ext_put(ext);
	return pinned;
}
EXPORT_SYMBOL(__page_pin_tracker_pinned);

void __page_pin_tracker_free(struct page *page, unsigned int order)
{
	struct page_ext *ext;
	struct page_pin_rec *rec;
	unsigned long pfn = page_to_pfn(page), i;

	for (i = 0, ext = NULL; i < (1UL << order); i++) {
		ext = ppt_ext_next(ext, pfn + i, i);
		if (!ext)
			continue;
		rec = ppt_rec(ext);
		if (likely(!atomic_read(&rec->count))) {
			/* Forget the last pinner: the next user is someone else. */
			if (unlikely(READ_ONCE(rec->owner))) {
				WRITE_ONCE(rec->owner, 0);
				WRITE_ONCE(rec->handle, 0);
			}
			continue;
		}
		atomic_long_inc(&ppt_freed_pinned);
		ppt_report(pfn_to_page(pfn + i), rec, &ppt_warned_free,
			   "free of a page with recorded pins");
		atomic_set(&rec->count, 0);
		WRITE_ONCE(rec->owner, 0);
		WRITE_ONCE(rec->handle, 0);
	}
	ppt_ext_done(ext);
}

/* ---- debugfs ------------------------------------------------------------ */

struct ppt_snap {
	int count;
	u32 owner;
	depot_stack_handle_t handle;
	u32 since;
};

static bool ppt_snapshot(unsigned long pfn, struct ppt_snap *s)
{
	struct page_ext *ext;
	struct page_pin_rec *rec;

	if (!pfn_valid(pfn))
		return false;
	ext = page_ext_get(pfn_to_page(pfn));
	if (!ext)
		return false;
	rec = ppt_rec(ext);
	s->count = atomic_read(&rec->count);
	s->owner = READ_ONCE(rec->owner);
	s->handle = READ_ONCE(rec->handle);
	s->since = READ_ONCE(rec->since);
	page_ext_put(ext);
	return s->count > 0;
}

static void ppt_comm(pid_t pid, char *comm, size_t len)
{
	struct task_struct *task;

	rcu_read_lock();
	task = find_task_by_pid_ns(pid, &init_pid_ns);
	if (task)
		__get_task_comm(comm, len, task);
	else
		strscpy(comm, "-", len);
	rcu_read_unlock();
}

static int ppt_format(char *buf, size_t size, unsigned long pfn,
		      const struct ppt_snap *s)
{
	pid_t pid = s->owner & PPT_OWNER_PID_MASK;
	char comm[TASK_COMM_LEN];
	int n;

	ppt_comm(pid, comm, sizeof(comm));
	n = scnprintf(buf, size,
		      "pfn=0x%lx count=%d longterm=%d pid=%d comm=%s age_ms=%u\n",
		      pfn, s->count, !!(s->owner & PPT_OWNER_LONGTERM), pid,
		      comm, jiffies_to_msecs((u32)jiffies - s->since));
	if (s->handle)
		n += stack_depot_snprint(s->handle, buf + n, size - n, 1);
	else
		n += scnprintf(buf + n, size - n, " (no stack recorded)\n");
	n += scnprintf(buf + n, size - n, "\n");
	return n;
}

/* One record per read(); *ppos is the next pfn to look at. */
static ssize_t ppt_pinned_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	unsigned long pfn = max_t(unsigned long, *ppos, min_low_pfn);
	pid_t filter = READ_ONCE(ppt_filter_pid);
	struct ppt_snap s;
	ssize_t ret = 0;
	char *kbuf;

	kbuf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	for (; pfn < max_pfn; pfn++) {
		if (!(pfn % 4096))
			cond_resched();
		if (!ppt_snapshot(pfn, &s))
			continue;
		if (filter && (s.owner & PPT_OWNER_PID_MASK) != filter)
			continue;
		ret = ppt_format(kbuf, PAGE_SIZE, pfn, &s);
		if (ret > count) {
			ret = -ENOMEM;
			break;
		}
		if (copy_to_user(ubuf, kbuf, ret)) {
			ret = -EFAULT;
			break;
		}
		*ppos = pfn + 1;
		break;
	}
	kfree(kbuf);
	return ret;
}

static const struct file_operations ppt_pinned_fops = {
	.read = ppt_pinned_read,
	.llseek = default_llseek,
};

#define PPT_MAX_OWNERS	64

struct ppt_owner {
	pid_t pid;
	unsigned long pages;
	unsigned long longterm;
};

static int ppt_summary_show(struct seq_file *m, void *v)
{
	unsigned long pfn, pages = 0, longterm = 0, refs = 0, other = 0;
	struct ppt_owner *owners;
	char comm[TASK_COMM_LEN];
	int nr_owners = 0, i;
	struct ppt_snap s;

	owners = kcalloc(PPT_MAX_OWNERS, sizeof(*owners), GFP_KERNEL);
	if (!owners)
		return -ENOMEM;
	for (pfn = min_low_pfn; pfn < max_pfn; pfn++) {
		bool lt;
		pid_t pid;

		if (!(pfn % 4096))
			cond_resched();
		if (!ppt_snapshot(pfn, &s))
			continue;
		lt = s.owner & PPT_OWNER_LONGTERM;
		pid = s.owner & PPT_OWNER_PID_MASK;
		pages++;
		refs += s.count;
		longterm += lt;
		for (i = 0; i < nr_owners; i++)
			if (owners[i].pid == pid)
				break;
		if (i == nr_owners) {
			if (nr_owners == PPT_MAX_OWNERS) {
				other++;
				continue;
			}
			owners[nr_owners++].pid = pid;
		}
		owners[i].pages++;
		owners[i].longterm += lt;
	}
	seq_printf(m, "pinned_pages=%lu\n", pages);
	seq_printf(m, "pinned_refs=%lu\n", refs);
	seq_printf(m, "longterm_pages=%lu\n", longterm);
	seq_printf(m, "bad_unpins=%ld\n", atomic_long_read(&ppt_bad_unpins));
	seq_printf(m, "freed_pinned=%ld\n", atomic_long_read(&ppt_freed_pinned));
	seq_printf(m, "saturated=%ld\n", atomic_long_read(&ppt_saturated));
	for (i = 0; i < nr_owners; i++) {
		ppt_comm(owners[i].pid, comm, sizeof(comm));
		seq_printf(m, "owner pid=%d comm=%s pinned_pages=%lu longterm_pages=%lu\n",
			   owners[i].pid, comm, owners[i].pages,
			   owners[i].longterm);
	}
	if (other)
		seq_printf(m, "owner pid=-1 comm=(other) pinned_pages=%lu\n", other);
	kfree(owners);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ppt_summary);

static int ppt_filter_get(void *data, u64 *val)
{
	*val = READ_ONCE(ppt_filter_pid);
	return 0;
}

static int ppt_filter_set(void *data, u64 val)
{
	if (val > PPT_OWNER_PID_MASK)
		return -EINVAL;
	WRITE_ONCE(ppt_filter_pid, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ppt_filter_fops, ppt_filter_get, ppt_filter_set,
			 "%llu\n");

/*
 * Test-only triggers for the mismatch reports. Neither corrupts anything:
 * "bad_unpin" unpins a page that holds GUP_PIN_COUNTING_BIAS plain
 * references (so the refcount stays balanced) but no pin; "free_pinned"
 * records a pin in the tracker only and frees the page.
 */
static ssize_t ppt_trigger_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct folio *folio;
	struct page *page;
	char cmd[16];

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';
	strim(cmd);

	if (!strcmp(cmd, "bad_unpin")) {
		page = alloc_page(GFP_KERNEL);
		if (!page)
			return -ENOMEM;
		folio = page_folio(page);
		folio_ref_add(folio, GUP_PIN_COUNTING_BIAS);
		pr_info("trigger: page with %d plain references is %spinned\n",
			folio_ref_count(folio),
			folio_maybe_dma_pinned(folio) ? "" : "not ");
		WRITE_ONCE(ppt_warned_unpin, false);
		unpin_user_page(page);
		__free_page(page);
	} else if (!strcmp(cmd, "free_pinned")) {
		page = alloc_page(GFP_KERNEL);
		if (!page)
			return -ENOMEM;
		__page_pin_tracker_pin(page_folio(page), page, 1, 0);
		__page_pin_tracker_attribute(&page, 1);
		WRITE_ONCE(ppt_warned_free, false);
		__free_page(page);
	} else {
		return -EINVAL;
	}
	return count;
}

static const struct file_operations ppt_trigger_fops = {
	.write = ppt_trigger_write,
};

static int __init page_pin_tracker_debugfs_init(void)
{
	struct dentry *dir;

	if (!static_branch_unlikely(&page_pin_tracker_key))
		return 0;
	dir = debugfs_create_dir("page_pin_tracker", NULL);
	debugfs_create_file("pinned", 0400, dir, NULL, &ppt_pinned_fops);
	debugfs_create_file("summary", 0400, dir, NULL, &ppt_summary_fops);
	debugfs_create_file_unsafe("filter_pid", 0600, dir, NULL,
				   &ppt_filter_fops);
	debugfs_create_file("test_trigger", 0200, dir, NULL, &ppt_trigger_fops);
	return 0;
}
late_initcall(page_pin_tracker_debugfs_init);

/* ---- KUnit ----------------------------------------------------------------- */
#if IS_ENABLED(CONFIG_PAGE_PIN_TRACKER_KUNIT_TEST)

static int ppt_count(struct page *page)
{
	struct page_ext *ext = page_ext_get(page);
	int count;

	if (!ext)
		return -1;
	count = atomic_read(&ppt_rec(ext)->count);
	page_ext_put(ext);
	return count;
}

static void ppt_set_count(struct page *page, int count)
{
	struct page_ext *ext = page_ext_get(page);

	if (ext) {
		atomic_set(&ppt_rec(ext)->count, count);
		page_ext_put(ext);
	}
}

static int ppt_test_init(struct kunit *test)
{
	if (!page_pin_tracker_enabled())
		kunit_skip(test, "boot with page_pin_tracker=on");
	return 0;
}

static void ppt_test_grab_put(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);
	struct folio *folio;

	KUNIT_ASSERT_NOT_NULL(test, page);
	folio = page_folio(page);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 0);
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, page, 1, FOLL_PIN), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 1);
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, page, 1,
					     FOLL_PIN | FOLL_LONGTERM), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 2);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
	unpin_user_page(page);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 1);
	unpin_user_page(page);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 0);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	/* FOLL_GET references are not pins. */
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, page, 1, FOLL_GET), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 0);
	put_page(page);
	__free_page(page);
}

static void ppt_test_plain_refs(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);
	struct folio *folio;

	KUNIT_ASSERT_NOT_NULL(test, page);
	folio = page_folio(page);
	folio_ref_add(folio, GUP_PIN_COUNTING_BIAS);
	/* The stock heuristic would say "pinned" here. */
	KUNIT_EXPECT_GE(test, (unsigned int)folio_ref_count(folio),
			GUP_PIN_COUNTING_BIAS);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, page, 1, FOLL_PIN), 0);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
	unpin_user_page(page);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	folio_ref_sub(folio, GUP_PIN_COUNTING_BIAS);
	__free_page(page);
}

static void ppt_test_large_folio(struct kunit *test)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 2);
	struct page *pages[2];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, folio);
	/* Pin pages 1..2, as GUP does for part of a THP. */
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, folio_page(folio, 1), 2,
					     FOLL_PIN), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 0)), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 1)), 1);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 2)), 1);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 3)), 0);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
	/* Release through the page array API, out of order. */
	pages[0] = folio_page(folio, 2);
	pages[1] = folio_page(folio, 1);
	unpin_user_pages(pages, 2);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, i)), 0);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));

	/* Folio-level pin and release (memfd_pin_folios()/unpin_folio()). */
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, NULL, 1, FOLL_PIN), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 0)), 1);
	unpin_folio(folio);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 0)), 0);

	/* A range release. */
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, folio_page(folio, 0), 4,
					     FOLL_PIN), 0);
	unpin_user_page_range_dirty_lock(folio_page(folio, 0), 4, false);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, i)), 0);
	folio_put(folio);
}

static void ppt_test_rollback(struct kunit *test)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	struct page *pages[2];

	KUNIT_ASSERT_NOT_NULL(test, folio);
	pages[0] = &folio->page;
	pages[1] = &folio->page;
	/*
	 * GUP rolls back a partial pin with unpin_user_pages() (longterm
	 * migration, GUP-fast racing fork): the page and its refcount must
	 * both end up where they started.
	 */
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, pages[0], 1, FOLL_PIN), 0);
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, pages[1], 1, FOLL_PIN), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(pages[0]), 2);
	unpin_user_pages(pages, 2);
	KUNIT_EXPECT_EQ(test, ppt_count(pages[0]), 0);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 1);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	folio_put(folio);
}

static void ppt_test_zero_page(struct kunit *test)
{
	struct page *zero = ZERO_PAGE(0);
	int before = ppt_count(zero);

	KUNIT_ASSERT_EQ(test, try_grab_folio(page_folio(zero), zero, 1,
					     FOLL_PIN), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(zero), before);
	unpin_user_page(zero);
	KUNIT_EXPECT_EQ(test, ppt_count(zero), before);
	KUNIT_EXPECT_EQ(test, before, 0);
}

static void ppt_test_limits(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);
	long saturated = atomic_long_read(&ppt_saturated);

	KUNIT_ASSERT_NOT_NULL(test, page);
	ppt_set_count(page, PPT_COUNT_MAX - 1);
	__page_pin_tracker_pin(page_folio(page), page, 1, 0);
	KUNIT_EXPECT_EQ(test, ppt_count(page), PPT_COUNT_MAX);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ppt_saturated), saturated + 1);
	/* A saturated count sticks: neither pins nor unpins move it. */
	__page_pin_tracker_pin(page_folio(page), page, 1, 0);
	KUNIT_EXPECT_EQ(test, ppt_count(page), PPT_COUNT_MAX);
	__page_pin_tracker_unpin(page_folio(page), page, 1);
	KUNIT_EXPECT_EQ(test, ppt_count(page), PPT_COUNT_MAX);
	ppt_set_count(page, 0);
	atomic_long_set(&ppt_saturated, saturated);
	__free_page(page);
}

static void ppt_test_attribution(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);
	struct page_ext *ext;
	struct page_pin_rec *rec;

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, try_grab_folio(page_folio(page), page, 1,
					     FOLL_PIN | FOLL_LONGTERM), 0);
	__page_pin_tracker_attribute(&page, 1);
	ext = page_ext_get(page);
	KUNIT_ASSERT_NOT_NULL(test, ext);
	rec = ppt_rec(ext);
	KUNIT_EXPECT_NE(test, rec->handle, 0);
	KUNIT_EXPECT_EQ(test, rec->owner & PPT_OWNER_PID_MASK,
			(u32)task_pid_nr(current));
	KUNIT_EXPECT_TRUE(test, rec->owner & PPT_OWNER_LONGTERM);
	page_ext_put(ext);
	unpin_user_page(page);
	__free_page(page);
}

static struct kunit_case ppt_test_cases[] = {
	KUNIT_CASE(ppt_test_grab_put),
	KUNIT_CASE(ppt_test_plain_refs),
	KUNIT_CASE(ppt_test_large_folio),
	KUNIT_CASE(ppt_test_rollback),
	KUNIT_CASE(ppt_test_zero_page),
	KUNIT_CASE(ppt_test_limits),
	KUNIT_CASE(ppt_test_attribution),
	{}
};

static struct kunit_suite ppt_test_suite = {
	.name = "page_pin_tracker",
	.init = ppt_test_init,
	.test_cases = ppt_test_cases,
};

kunit_test_suites(&ppt_test_suite);

#endif /* CONFIG_PAGE_PIN_TRACKER_KUNIT_TEST */
