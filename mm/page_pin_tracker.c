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

#include "internal.h"
#include "page_pin_tracker_internal.h"

#undef pr_fmt
#define pr_fmt(fmt)	"page_pin_tracker: " fmt

#define PPT_STACK_DEPTH		16

#ifdef CONFIG_SPARSEMEM
#define PPT_EXT_RUN		PAGES_PER_SECTION
#else
#define PPT_EXT_RUN		1UL	/* look every record up */
#endif

static bool page_pin_tracker_on __initdata;
DEFINE_STATIC_KEY_FALSE(page_pin_tracker_key);
EXPORT_SYMBOL(page_pin_tracker_key);

static atomic_long_t ppt_bad_unpins = ATOMIC_LONG_INIT(0);
static atomic_long_t ppt_freed_pinned = ATOMIC_LONG_INIT(0);
atomic_long_t ppt_saturated = ATOMIC_LONG_INIT(0);
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

/*
 * The number of entries from @pages[0] on that are consecutive pages of one
 * folio (at least 1), so that their records can be walked with
 * ppt_ext_next() instead of being looked up one by one.
 */
static unsigned long ppt_run(struct page **pages, unsigned long nr)
{
	struct folio *folio = page_folio(pages[0]);
	unsigned long pfn = page_to_pfn(pages[0]), n;

	for (n = 1; n < nr; n++)
		if (!pages[n] || page_to_pfn(pages[n]) != pfn + n ||
		    page_folio(pages[n]) != folio)
			break;
	return n;
}

void __page_pin_tracker_unpin_pages(struct page **pages, unsigned long nr)
{
	unsigned long i, n;

	for (i = 0; i < nr; i += n) {
		n = 1;
		if (!pages[i])
			continue;
		n = ppt_run(pages + i, nr - i);
		__page_pin_tracker_unpin(page_folio(pages[i]), pages[i], n);
	}
}

static depot_stack_handle_t ppt_save_stack(void)
{
	unsigned long entries[PPT_STACK_DEPTH];
	unsigned int n;

	n = stack_trace_save(entries, ARRAY_SIZE(entries), 2);
	return stack_depot_save(entries, n, GFP_NOWAIT | __GFP_NOWARN);
}

/*
 * Attach the caller's stack, saved once into *@handle, to the new pins on
 * the @nr consecutive pages that start at @page.
 */
static void ppt_attribute_run(struct page *page, unsigned long nr,
			      depot_stack_handle_t *handle)
{
	unsigned long pfn = page_to_pfn(page), i;
	struct page_pin_rec *rec;
	struct page_ext *ext;

	if (is_zero_page(page))
		return;
	for (i = 0, ext = NULL; i < nr; i++) {
		ext = ppt_ext_next(ext, pfn + i, i);
		if (!ext)
			continue;
		rec = ppt_rec(ext);
		if (atomic_read(&rec->count) && !READ_ONCE(rec->handle)) {
			if (!*handle)
				*handle = ppt_save_stack();
			WRITE_ONCE(rec->handle, *handle);
		}
	}
	ppt_ext_done(ext);
}

void __page_pin_tracker_attribute(struct page **pages, unsigned long nr)
{
	depot_stack_handle_t handle = 0;
	unsigned long i, n;

	for (i = 0; i < nr; i += n) {
		n = 1;
		if (!pages[i])
			continue;
		n = ppt_run(pages + i, nr - i);
		ppt_attribute_run(pages[i], n, &handle);
	}
}

void __page_pin_tracker_attribute_folios(struct folio **folios,
					 unsigned long nr)
{
	depot_stack_handle_t handle = 0;
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (folios[i])
			ppt_attribute_run(&folios[i]->page, 1, &handle);
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
