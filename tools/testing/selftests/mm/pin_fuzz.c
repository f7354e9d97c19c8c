// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded, time-bounded fuzz of the interfaces that pin, write-protect and
 * report pinned memory:
 *
 *   - gup_test's ioctls, all of them (benchmarks, basic tests, DUMP without
 *     dumping, PIN_LONGTERM_TEST_START/STOP/READ/WRITE on two open files),
 *     over small pages, THP, shmem, hugetlb, read-only, PROT_NONE and
 *     unmapped ranges, with 0, 1, odd and huge nr_pages_per_call, sizes
 *     that are not a multiple of a page, random and invalid gup_flags;
 *   - PAGEMAP_SCAN with random flags, categories (PAGE_IS_PINNED
 *     included), ranges, vectors and struct sizes;
 *   - userfaultfd: UFFDIO_API with random features, UFFDIO_REGISTER with
 *     random modes, UFFDIO_WRITEPROTECT with random ranges and modes, on a
 *     long-lived WP_ASYNC context over the pinned memory and in short
 *     sessions over memory nothing faults on;
 *   - the page pin tracker's debugfs files (writes to filter_pid, reads of
 *     pinned and summary);
 *   - HugeTLB HGM (CONFIG_HUGETLB_HGM): UFFDIO_CONTINUE, MADV_SPLIT,
 *     MADV_COLLAPSE and MADV_DONTNEED of random ranges of a split mapping
 *     of a hugetlb memfd registered for minor faults with
 *     UFFD_FEATURE_SIGBUS (so that GUP of a piece not mapped fails rather
 *     than waits), punch-hole of its huge pages; and msharefs
 *     (CONFIG_MSHARE): MSHAREFS_CREATE_MAPPING/UNMAP with random ranges,
 *     prot, flags, fds and reserved fields on a region mapped in the
 *     test. Both are also in the ranges the gup_test and PAGEMAP_SCAN
 *     calls draw from;
 *   - in between: touching, MADV_DONTNEED, MADV_PAGEOUT, mprotect,
 *     remapping, and fork with children that write, pin and exit;
 *   - allocation failures: one gup_test, PAGEMAP_SCAN, WRITEPROTECT or
 *     tracker call in 8 runs with its Nth allocation failing (N mostly 1
 *     to 3, up to 16; fail-nth, with failslab and fail_page_alloc made to see every
 *     allocation), when the kernel has fault injection (-F: never).
 *
 * Invariants: every call succeeds or fails with an errno; at every
 * checkpoint (every few seconds, with the long-term pins released) and at
 * the end, nr_foll_pin_acquired and nr_foll_pin_released have moved by the
 * same amount, and, with the tracker on, nothing is pinned, nothing is
 * listed for this process and no bad unpin or pinned free was counted.
 * Splats are the VM harness's to catch (ci/results.py).
 *
 * The calls are drawn from the seed alone, never from earlier results, so
 * -s SEED -n OPS replays a run's calls (addresses differ, offsets do not);
 * -v logs every call to /dev/kmsg before making it.
 *
 * The regression cases first (one per problem the fuzz found):
 *   - gup_test passing internal or conflicting FOLL_* flags to GUP (WARN);
 *   - gup_test page arrays of crazy size (kvmalloc WARN);
 *   - gup_test WARNing that the shared zero page, which read pins of
 *     memory never written get, is not counted as pinned;
 *   - gup_test's long-term pin set shared by all open files, and released
 *     by any close without its lock (use after free, double unpin).
 *
 * Excluded, with the reason:
 *   - DUMP_USER_PAGES_TEST with which_pages set: it dump_page()s by
 *     design, which the harness counts as a splat (the check plan runs it
 *     once with the splat declared);
 *   - userfaultfd MISSING/MINOR and synchronous WP registrations over
 *     memory that is pinned or touched: with no handler thread, a fault
 *     there waits forever (or, from gup_test's pin_user_pages() without
 *     FAULT_FLAG_ALLOW_RETRY, prints a stack under CONFIG_DEBUG_VM); they
 *     run in sessions over memory nothing faults on;
 *   - the non-cooperative uffd events (FORK, REMAP, REMOVE, UNMAP) are
 *     only requested in those sessions, which end before anything forks,
 *     unmaps or madvises: each event blocks its task until it is read.
 *
 * Feature semantics (what UFFD_FEATURE_WP_PINNED or PAGE_IS_PINNED
 * report) are pin_wp's to check, not this test's.
 *
 * Usage: pin_fuzz [-s SEED] [-t SECONDS] [-n MAX_OPS] [-v] [-F]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/fs.h>
#include <linux/msharefs.h>
#include <linux/userfaultfd.h>

#include "../../../../mm/gup_test.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#ifndef MADV_SPLIT
#define MADV_SPLIT	26	/* HugeTLB HGM (ours) */
#endif
#include "../kselftest.h"
#include "vm_util.h"
#include "pin_util.h"

#define GUP_TEST_FILE	"/sys/kernel/debug/gup_test"

/* FOLL_* values of include/linux/mm_types.h (not uapi). */
#define FOLL_WRITE		0x01
#define FOLL_GET		0x02
#define FOLL_FORCE		0x08
#define FOLL_NOWAIT		0x10
#define FOLL_NOFAULT		0x20
#define FOLL_LONGTERM		0x100
#define FOLL_PCI_P2PDMA		0x400
#define FOLL_TOUCH_INTERNAL	0x10000
#define FOLL_PIN_INTERNAL	0x80000

#ifndef PAGE_IS_PINNED
#define PAGE_IS_PINNED		0x200
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif

static size_t pagesize, thpsize, hpsize;
static bool tracker_on, verbose;
static int pagemap_fd = -1;

/* ---------------------------------------------------------------- */
/* Random numbers: splitmix64, seeded from -s                       */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool one_in(unsigned int n)
{
	return rnd_below(n) == 0;
}

/* ---------------------------------------------------------------- */
/* Counters: /proc/vmstat foll_pin and the tracker's summary        */

struct snap {
	long acquired, released;
	long bad_unpins, freed_pinned, pinned_pages;
};

static void snap_take(struct snap *s)
{
	pin_write_buf("/proc/sys/vm/stat_refresh", "1", 1);
	s->acquired = pin_key_value("/proc/vmstat", "nr_foll_pin_acquired", ' ');
	s->released = pin_key_value("/proc/vmstat", "nr_foll_pin_released", ' ');
	s->bad_unpins = 0;
	s->freed_pinned = 0;
	s->pinned_pages = 0;
	if (tracker_on) {
		s->bad_unpins = pin_summary("bad_unpins");
		s->freed_pinned = pin_summary("freed_pinned");
		s->pinned_pages = pin_summary("pinned_pages");
	}
}

/* True when the summary has an owner line for @pid. */
static bool tracker_owner_listed(pid_t pid)
{
	char line[256], want[64];
	bool found = false;
	FILE *f = fopen(PPT_DIR "/summary", "r");

	if (!f)
		return false;
	snprintf(want, sizeof(want), "owner pid=%d ", pid);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)))
			found = true;
	fclose(f);
	return found;
}

/* Pages the tracker lists for @pid (through filter_pid, reset after). */
static long tracker_listed_for(pid_t pid)
{
	char buf[32], line[512];
	long n = 0;
	FILE *f;

	snprintf(buf, sizeof(buf), "%d", pid);
	if (pin_write_buf(PPT_DIR "/filter_pid", buf, strlen(buf)))
		return -1;
	f = fopen(PPT_DIR "/pinned", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "pfn=", 4))
				n++;
		fclose(f);
	} else {
		n = -1;
	}
	pin_write_buf(PPT_DIR "/filter_pid", "0", 1);
	return n;
}

/*
 * Pins balanced since @base, nothing pinned, nothing listed for this
 * process, no new tracker events. Pins of other kernel users (the 9p
 * root's zero-copy I/O) come and go: retry for a second.
 */
static bool balanced_since(const struct snap *base, const char *what)
{
	struct snap now;
	bool ok = true;
	long listed = 0;
	int tries;

	for (tries = 0; tries < 50; tries++) {
		snap_take(&now);
		if (now.acquired - base->acquired == now.released - base->released &&
		    (!tracker_on || now.pinned_pages == 0))
			break;
		usleep(20000);
	}
	if (now.acquired < 0 || now.released < 0) {
		ksft_print_msg("%s: no nr_foll_pin_* in /proc/vmstat\n", what);
		return false;
	}
	if (now.acquired - base->acquired != now.released - base->released) {
		ksft_print_msg("%s: foll_pin acquired +%ld, released +%ld: %ld outstanding\n",
			       what, now.acquired - base->acquired,
			       now.released - base->released,
			       (now.acquired - base->acquired) -
			       (now.released - base->released));
		ok = false;
	}
	if (!tracker_on)
		return ok;
	if (now.pinned_pages) {
		ksft_print_msg("%s: tracker pinned_pages=%ld, want 0\n", what,
			       now.pinned_pages);
		ok = false;
	}
	if (now.bad_unpins != base->bad_unpins ||
	    now.freed_pinned != base->freed_pinned) {
		ksft_print_msg("%s: tracker bad_unpins %ld -> %ld, freed_pinned %ld -> %ld\n",
			       what, base->bad_unpins, now.bad_unpins,
			       base->freed_pinned, now.freed_pinned);
		ok = false;
	}
	listed = tracker_listed_for(getpid());
	if (listed || tracker_owner_listed(getpid())) {
		ksft_print_msg("%s: tracker lists %ld pages for this process\n",
			       what, listed);
		ok = false;
	}
	return ok;
}

/* ---------------------------------------------------------------- */
/* Call results: success or an errno, counted per interface         */

enum iface { IF_GUP, IF_LT, IF_SCAN, IF_UFFD, IF_TRACKER, IF_MM, IF_HGM,
	     IF_MSHARE, NR_IFACES };
static const char * const iface_name[NR_IFACES] = {
	"gup_test benchmarks/basic", "gup_test PIN_LONGTERM_TEST_*",
	"PAGEMAP_SCAN", "userfaultfd", "tracker debugfs", "mm (madvise, mprotect, fork)",
	"HGM (MADV_SPLIT, CONTINUE, COLLAPSE, punch)", "msharefs ioctls",
};

#define MAX_ERRNO	134
static unsigned long calls[NR_IFACES], oks[NR_IFACES];
static unsigned long errs[NR_IFACES][MAX_ERRNO + 1];
static unsigned long unexpected;
static char last_op[512];

static void op_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_op, sizeof(last_op), fmt, ap);
	va_end(ap);
	if (verbose) {
		char buf[600];
		int len = snprintf(buf, sizeof(buf), "pin_fuzz: %s\n", last_op);

		pin_write_buf("/dev/kmsg", buf, len);
	}
}

/*
 * A fatal signal (a fault in this program, or the kernel killing it)
 * would end the run with fewer results than planned and nothing to go
 * on: say which call came last and how to replay it, then die of it.
 * The handler formats by hand and has no stack protector: after memory
 * corruption, libc's formatting (and the canary) may be what is broken.
 */
static uint64_t run_seed;
static unsigned long run_ops;

static __attribute__((no_stack_protector)) void say_num(uint64_t v)
{
	char d[24];
	int n = sizeof(d);

	do {
		d[--n] = '0' + v % 10;
		v /= 10;
	} while (v && n);
	write(STDOUT_FILENO, d + n, sizeof(d) - n);
}

static __attribute__((no_stack_protector)) void say_str(const char *str)
{
	size_t n = 0;

	while (n < sizeof(last_op) && str[n])
		n++;
	write(STDOUT_FILENO, str, n);
}

static __attribute__((no_stack_protector)) void fatal_signal(int sig)
{
	say_str("# fatal signal ");
	say_num(sig);
	say_str(" in pid ");
	say_num(getpid());
	say_str(" at op ");
	say_num(run_ops);
	say_str(" of seed ");
	say_num(run_seed);
	say_str(", after: ");
	say_str(last_op);
	say_str("\n");
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_fatal_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTERM };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], fatal_signal);
}

/* errnos no call of this test should see (a valid fd, a known command). */
static bool errno_unexpected(enum iface i, int e)
{
	switch (e) {
	case ENOTTY:
	case EBADF:
		/* Tracker off; msharefs: unknown commands and random fds. */
		return i != IF_TRACKER && i != IF_MSHARE;
	case ENOENT:
		/*
		 * Tracker off; UFFDIO_WRITEPROTECT of an unregistered range,
		 * UFFDIO_CONTINUE of a range past the VMA.
		 */
		return i != IF_TRACKER && i != IF_UFFD && i != IF_HGM;
	default:
		return e <= 0 || e > MAX_ERRNO;
	}
}

/* Record @ret of a call (0 or more: success, -1: errno). */
static void record(enum iface i, long ret, int e)
{
	calls[i]++;
	if (ret >= 0) {
		oks[i]++;
		return;
	}
	if (ret != -1 || errno_unexpected(i, e)) {
		unexpected++;
		ksft_print_msg("unexpected return %ld (%s) of: %s\n", ret,
			       strerror(e), last_op);
	}
	if (e > 0 && e <= MAX_ERRNO)
		errs[i][e]++;
}

/*
 * Fault injection around one call: fi_arm() draws whether (one in 8) and
 * which allocation fails (1 to 3, or one time in 4 1 to 16: most calls
 * make only a few) from the seed, also when fault injection is off, so
 * that a seed replays the same calls either way.
 */
static bool fi_ready, fi_armed;
static unsigned long fi_calls, fi_fired;

static void fi_arm(void)
{
	bool arm = one_in(8);
	unsigned int n = one_in(4) ? 1 + rnd_below(16) : 1 + rnd_below(3);

	if (!fi_ready || !arm)
		return;
	if (pin_fi_set(n))
		ksft_exit_fail_msg("fail-nth: %s\n", strerror(errno));
	fi_armed = true;
	fi_calls++;
	snprintf(last_op + strlen(last_op), sizeof(last_op) - strlen(last_op),
		 " [allocation %u fails]", n);
}

/* After the call: disarm, keeping the call's errno. */
static void fi_disarm(void)
{
	int e = errno;

	if (fi_armed)
		fi_fired += pin_fi_fired();
	fi_armed = false;
	errno = e;
}

static void print_stats(void)
{
	char line[1024];
	int i, e, len;

	for (i = 0; i < NR_IFACES; i++) {
		len = snprintf(line, sizeof(line), "%s: %lu calls, %lu ok",
			       iface_name[i], calls[i], oks[i]);
		for (e = 1; e <= MAX_ERRNO && len < (int)sizeof(line) - 40; e++)
			if (errs[i][e])
				len += snprintf(line + len, sizeof(line) - len,
						", %s %lu", strerrorname_np(e) ?: "?",
						errs[i][e]);
		ksft_print_msg("%s\n", line);
	}
}

/* ---------------------------------------------------------------- */
/* Memory under test                                                */

/*
 * The kinds after K_HOLE are reached by pick_range() (gup_test,
 * PAGEMAP_SCAN) and by their own operations only: nothing touches them
 * directly (an HGM piece that is not mapped raises SIGBUS).
 */
enum kind { K_SMALL, K_THP, K_SHMEM, K_HUGETLB, K_RDONLY, K_PROTNONE,
	    K_HOLE, K_MSHARE, K_HGM, NR_KINDS };
static const char * const kind_name[NR_KINDS] = {
	"small", "thp", "shmem", "hugetlb", "rdonly", "protnone", "hole",
	"mshare", "hgm",
};

struct region {
	enum kind kind;
	char *map, *addr;	/* mapping, and its (aligned) start */
	size_t map_size, size;
	int prot;
	bool wp_registered;
	/*
	 * K_MSHARE: the region's file; K_HGM: the hugetlb memfd, a plain
	 * (not split) mapping of it and the MINOR|SIGBUS uffd of the split
	 * one.
	 */
	bool own_fds;
	int fd, uffd;
	char *plain;
};

static struct region regions[NR_KINDS];
static int wp_uffd = -1;		/* long-lived WP_ASYNC context */
static bool have_hugetlb;
static unsigned long read_sum;	/* keeps read faults from being optimized out */

/* Scratch memory for uffd sessions: registered, never faulted on. */
static struct region scratch[2];

static char *bounce;			/* PIN_LONGTERM_TEST_READ/WRITE */
static size_t bounce_size;
static struct page_region *vec;		/* PAGEMAP_SCAN output */
#define VEC_MAX		512

static char *aligned_map(size_t size, size_t align, int prot, int flags, int fd,
			 char **map, size_t *map_size)
{
	char *p;

	*map_size = size + align;
	p = mmap(NULL, *map_size, prot, flags, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	*map = p;
	return (char *)(((uintptr_t)p + align - 1) & ~(align - 1));
}

static char mshare_root[32];		/* a private msharefs mount, or "" */
static uint64_t mshare_align;		/* its mshare_info */

static void region_free(struct region *r)
{
	char path[64];

	if (r->map)
		munmap(r->map, r->map_size);
	if (r->plain)
		munmap(r->plain, r->size);
	if (r->own_fds) {
		close(r->fd);
		if (r->uffd >= 0)
			close(r->uffd);
		if (r->kind == K_MSHARE) {
			snprintf(path, sizeof(path), "%s/fuzz", mshare_root);
			unlink(path);
		}
	}
	r->own_fds = false;
	r->plain = NULL;
	r->map = NULL;
	r->addr = NULL;
	r->wp_registered = false;
}

static bool hgm_make(struct region *r);
static bool mshare_make(struct region *r);

static void uffd_wp_register(struct region *r);

/* (Re)create region @r of kind @k; false when the kernel has none. */
static bool region_make(struct region *r, enum kind k)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS, fd = -1;
	size_t i;

	region_free(r);
	r->kind = k;
	r->prot = PROT_READ | PROT_WRITE;
	switch (k) {
	case K_SMALL:
		r->size = 64 * pagesize;
		r->addr = aligned_map(r->size, pagesize, r->prot, flags, -1,
				      &r->map, &r->map_size);
		if (r->addr)
			madvise(r->addr, r->size, MADV_NOHUGEPAGE);
		break;
	case K_THP:
		r->size = 2 * thpsize;
		r->addr = aligned_map(r->size, thpsize, r->prot, flags, -1,
				      &r->map, &r->map_size);
		if (r->addr)
			madvise(r->addr, r->size, MADV_HUGEPAGE);
		break;
	case K_SHMEM:
		r->size = 64 * pagesize;
		fd = memfd_create("pin_fuzz", 0);
		if (fd < 0 || ftruncate(fd, r->size + pagesize))
			break;
		r->addr = aligned_map(r->size, pagesize, r->prot, MAP_SHARED,
				      fd, &r->map, &r->map_size);
		break;
	case K_HUGETLB:
		if (!have_hugetlb)
			return false;
		r->size = 2 * hpsize;
		flags |= MAP_HUGETLB;
		if (one_in(2))
			flags = (flags & ~MAP_PRIVATE) | MAP_SHARED;
		/* No over-allocation: a hugetlb mapping is hpsize-aligned. */
		r->map_size = r->size;
		r->map = mmap(NULL, r->size, r->prot, flags, -1, 0);
		r->addr = r->map == MAP_FAILED ? NULL : r->map;
		if (!r->addr)
			r->map = NULL;
		break;
	case K_RDONLY:
		r->size = 16 * pagesize;
		r->prot = PROT_READ;
		r->addr = aligned_map(r->size, pagesize, r->prot, flags, -1,
				      &r->map, &r->map_size);
		break;
	case K_PROTNONE:
		r->size = 16 * pagesize;
		r->prot = PROT_NONE;
		r->addr = aligned_map(r->size, pagesize, r->prot, flags, -1,
				      &r->map, &r->map_size);
		break;
	case K_MSHARE:
		return mshare_make(r);
	case K_HGM:
		return hgm_make(r);
	case K_HOLE: {
		/*
		 * Unmapped memory that stays unmapped. A range unmapped among
		 * the others would be reused by the next mmap() (a recreated
		 * region, or libc's own memory), which would then receive
		 * PIN_LONGTERM_TEST_READ's data and PAGEMAP_SCAN's vectors
		 * meant to fault. The top-down allocator never comes down
		 * to the first GiB while higher space is free.
		 */
		uintptr_t a;

		r->size = 16 * pagesize;
		r->map = NULL;
		r->prot = PROT_NONE;
		for (a = 1UL << 20; a < 1UL << 30; a += 1UL << 20) {
			char *p = mmap((void *)a, r->size, PROT_NONE,
				       flags | MAP_FIXED_NOREPLACE, -1, 0);

			if (p == MAP_FAILED)
				continue;
			munmap(p, r->size);
			if (p == (char *)a) {
				r->addr = p;
				return true;
			}
		}
		return false;
	}
	default:
		break;
	}
	if (fd >= 0)
		close(fd);
	if (!r->addr) {
		r->map = NULL;
		return false;
	}
	if (r->prot & PROT_WRITE)
		for (i = 0; i < r->size; i += pagesize)
			r->addr[i] = (char)i;
	else if (r->prot & PROT_READ)
		for (i = 0; i < r->size; i += pagesize)
			read_sum += __atomic_load_n(r->addr + i, __ATOMIC_RELAXED);
	if (wp_uffd >= 0 && k < K_HOLE && one_in(2))
		uffd_wp_register(r);
	return true;
}

/*
 * An mshare region of one alignment unit whose first r->size bytes are
 * mapped in the host (anonymous shared memory) and written, mapped here.
 */
static bool mshare_make(struct region *r)
{
	struct mshare_create mc = {
		.prot = PROT_READ | PROT_WRITE,
		.flags = MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS,
		.fd = -1,
	};
	char path[64];
	size_t i;
	int fd;

	if (!mshare_align)
		return false;
	r->size = 2 * thpsize;
	mc.size = r->size;
	snprintf(path, sizeof(path), "%s/fuzz", mshare_root);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return false;
	r->map = MAP_FAILED;
	if (!ftruncate(fd, mshare_align) && !ioctl(fd, MSHAREFS_CREATE_MAPPING, &mc))
		r->map = mmap(NULL, mshare_align, r->prot, MAP_SHARED, fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		close(fd);
		unlink(path);
		return false;
	}
	r->map_size = mshare_align;
	r->addr = r->map;
	r->fd = fd;
	r->uffd = -1;
	r->own_fds = true;
	for (i = 0; i < r->size; i += pagesize)
		r->addr[i] = (char)i;
	return true;
}

static int hgm_continue(struct region *r, uint64_t off, uint64_t len, uint64_t mode)
{
	struct uffdio_continue c = {
		.range = { (uintptr_t)r->addr + off, len }, .mode = mode,
	};

	return ioctl(r->uffd, UFFDIO_CONTINUE, &c);
}

/*
 * Two huge pages of a hugetlb memfd, written through a plain mapping,
 * and a second mapping split with MADV_SPLIT and registered for minor
 * faults with UFFD_FEATURE_SIGBUS (a fault there, or GUP, fails rather
 * than waits), with a few 4 KiB pieces mapped by UFFDIO_CONTINUE.
 */
static bool hgm_make(struct region *r)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_MINOR_HUGETLBFS | UFFD_FEATURE_SIGBUS,
	};
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MINOR };
	size_t i;

	if (!have_hugetlb)
		return false;
	r->size = 2 * hpsize;
	r->uffd = -1;
	r->fd = memfd_create("pin_fuzz_hgm", MFD_HUGETLB);
	if (r->fd < 0)
		return false;
	r->own_fds = true;
	if (ftruncate(r->fd, r->size))
		goto fail;
	r->plain = mmap(NULL, r->size, r->prot, MAP_SHARED, r->fd, 0);
	if (r->plain == MAP_FAILED) {
		r->plain = NULL;
		goto fail;
	}
	for (i = 0; i < r->size; i += pagesize)
		r->plain[i] = (char)i;
	r->map = mmap(NULL, r->size, r->prot, MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		goto fail;
	}
	r->map_size = r->size;
	r->addr = r->map;
	reg.range.start = (uintptr_t)r->addr;
	reg.range.len = r->size;
	r->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (madvise(r->addr, r->size, MADV_SPLIT) || r->uffd < 0 ||
	    ioctl(r->uffd, UFFDIO_API, &api) || ioctl(r->uffd, UFFDIO_REGISTER, &reg))
		goto fail;
	for (i = 0; i < 8; i++)
		hgm_continue(r, rnd_below(r->size / pagesize) * pagesize, pagesize, 0);
	return true;
fail:
	region_free(r);
	return false;
}

/* A random address and length somewhere in or around the regions. */
static void pick_range(uint64_t *addr, uint64_t *len, bool *in_region)
{
	struct region *r = &regions[rnd_below(NR_KINDS)];
	uint64_t pages = r->size / pagesize, off;

	*in_region = true;
	switch (rnd_below(16)) {
	case 0:
		/* Odd addresses: NULL, kernel, non-canonical, the top. */
		*in_region = false;
		switch (rnd_below(4)) {
		case 0:
			*addr = 0;
			break;
		case 1:
			*addr = 0xffff888000000000ULL;
			break;
		case 2:
			*addr = 1ULL << 47;
			break;
		default:
			*addr = -(uint64_t)pagesize;
			break;
		}
		break;
	case 1:
		/* Unaligned start. */
		*addr = (uintptr_t)r->addr + rnd_below(pages) * pagesize +
			1 + rnd_below(pagesize - 1);
		break;
	case 2:
		/* Straddling the end. */
		*addr = (uintptr_t)r->addr + r->size - (1 + rnd_below(4)) * pagesize;
		break;
	default:
		off = rnd_below(pages);
		if ((r->kind == K_HUGETLB || r->kind == K_HGM) && one_in(2))
			off &= ~(hpsize / pagesize - 1);
		if (r->kind == K_THP && one_in(2))
			off &= ~(thpsize / pagesize - 1);
		*addr = (uintptr_t)r->addr + off * pagesize;
		break;
	}
	if (!r->addr)
		*in_region = false;

	switch (rnd_below(12)) {
	case 0:
		*len = 0;
		break;
	case 1:
		*len = 1 + rnd_below(pagesize - 1);
		break;
	case 2:
		*len = (1 + rnd_below(8)) * pagesize + 1 + rnd_below(pagesize - 1);
		break;
	case 3:
		*len = r->size;
		break;
	case 4:
		*len = r->size + (1 + rnd_below(64)) * pagesize;
		break;
	case 5:
		/* Crazy: the kernel must refuse, not try to allocate for it. */
		*len = one_in(2) ? 1ULL << (40 + rnd_below(20)) : ~0ULL - rnd_below(2);
		break;
	case 6:
		*len = hpsize;
		break;
	default:
		*len = (1 + rnd_below(pages)) * pagesize;
		break;
	}
}

/* ---------------------------------------------------------------- */
/* gup_test                                                         */

#define NR_GUP_FDS	2
static int gup_fds[NR_GUP_FDS] = { -1, -1 };
static uint64_t lt_size[NR_GUP_FDS];	/* bytes held by a START, 0 if none */
/*
 * The held pages lie in one of our regions. Only then may
 * PIN_LONGTERM_TEST_WRITE (a device writing into the pinned pages) run:
 * a START that straddles a region's end also pins the mapping next to it,
 * which may be libc's (a write there once overwrote the stack protector's
 * canary). A failed copy from a bad buffer also writes: it zero-fills.
 */
static bool lt_ours[NR_GUP_FDS];

/* [@addr, @addr + @len) lies within one of the mapped regions. */
static bool range_ours(uint64_t addr, uint64_t len)
{
	int k;

	for (k = 0; k < K_HOLE; k++) {
		struct region *r = &regions[k];
		uint64_t start = (uintptr_t)r->addr;

		if (r->addr && addr >= start && len <= r->size &&
		    addr - start <= r->size - len)
			return true;
	}
	return false;
}

static const struct {
	unsigned long cmd;
	const char *name;
} gup_cmds[] = {
	{ GUP_FAST_BENCHMARK, "GUP_FAST_BENCHMARK" },
	{ PIN_FAST_BENCHMARK, "PIN_FAST_BENCHMARK" },
	{ PIN_LONGTERM_BENCHMARK, "PIN_LONGTERM_BENCHMARK" },
	{ GUP_BASIC_TEST, "GUP_BASIC_TEST" },
	{ PIN_BASIC_TEST, "PIN_BASIC_TEST" },
	{ DUMP_USER_PAGES_TEST, "DUMP_USER_PAGES_TEST" },
};

static uint32_t random_gup_flags(void)
{
	static const uint32_t valid[] = {
		FOLL_WRITE, FOLL_FORCE, FOLL_NOWAIT, FOLL_NOFAULT, FOLL_LONGTERM,
		0x04 /* DUMP */, 0x40 /* HWPOISON */, 0x80 /* ANON */,
		0x200 /* SPLIT_PMD */, FOLL_PCI_P2PDMA, 0x800 /* INTERRUPTIBLE */,
		0x1000 /* HONOR_NUMA_FAULT */,
	};
	uint32_t f = 0;
	int n;

	switch (rnd_below(8)) {
	case 0:
		return 0;
	case 1:
		return FOLL_WRITE;
	case 2:
		/* Not a caller's flag: FOLL_GET, internal ones, unknown. */
		switch (rnd_below(4)) {
		case 0:
			return FOLL_GET | (rnd() & FOLL_WRITE);
		case 1:
			return FOLL_PIN_INTERNAL;
		case 2:
			return FOLL_TOUCH_INTERNAL | FOLL_WRITE;
		default:
			return (uint32_t)rnd();
		}
	default:
		for (n = 1 + rnd_below(3); n; n--)
			f |= valid[rnd_below(ARRAY_SIZE(valid))];
		return f;
	}
}

static uint32_t random_nr_per_call(void)
{
	switch (rnd_below(6)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return 2 * rnd_below(64) + 1;
	case 3:
		return 512;
	case 4:
		return 0xffffffffU - rnd_below(2);
	default:
		return 1 + rnd_below(1024);
	}
}

static void op_gup(void)
{
	struct gup_test gup = { 0 };
	int i, c = rnd_below(ARRAY_SIZE(gup_cmds));
	uint64_t addr, len;
	bool in;
	long ret;

	pick_range(&addr, &len, &in);
	gup.addr = addr;
	gup.size = len;
	gup.nr_pages_per_call = random_nr_per_call();
	gup.gup_flags = random_gup_flags();
	/* DUMP_USER_PAGES_TEST: which_pages stay 0 (see the header). */
	if (gup_cmds[c].cmd == DUMP_USER_PAGES_TEST && one_in(2))
		gup.test_flags = GUP_TEST_FLAG_DUMP_PAGES_USE_PIN;
	else if (one_in(16))
		gup.test_flags = (uint32_t)rnd();
	op_log("gup_test %s addr=%#llx size=%#llx nr_per_call=%u gup_flags=%#x test_flags=%#x",
	       gup_cmds[c].name, (unsigned long long)gup.addr,
	       (unsigned long long)gup.size, gup.nr_pages_per_call,
	       gup.gup_flags, gup.test_flags);
	i = rnd_below(NR_GUP_FDS);
	fi_arm();
	ret = ioctl(gup_fds[i], gup_cmds[c].cmd, &gup);
	fi_disarm();
	record(IF_GUP, ret, errno);
	if (!ret && gup.size > len) {
		unexpected++;
		ksft_print_msg("gup_test returned size %#llx > requested %#llx: %s\n",
			       (unsigned long long)gup.size,
			       (unsigned long long)len, last_op);
	}
}

static void op_longterm(void)
{
	int i = rnd_below(NR_GUP_FDS), fd = gup_fds[i];
	struct pin_longterm_test args = { 0 };
	uint64_t addr, len, uaddr;
	bool in, write;
	long ret;

	switch (rnd_below(6)) {
	case 0:
	case 1:
		pick_range(&addr, &len, &in);
		if (len > bounce_size && one_in(2))
			len = bounce_size & ~(pagesize - 1);
		args.addr = addr;
		args.size = len;
		args.flags = rnd_below(4);
		if (one_in(16))
			args.flags = (uint32_t)rnd();
		op_log("gup_test[%d] PIN_LONGTERM_TEST_START addr=%#llx size=%#llx flags=%#x",
		       i, (unsigned long long)addr, (unsigned long long)len,
		       args.flags);
		fi_arm();
		ret = ioctl(fd, PIN_LONGTERM_TEST_START, &args);
		fi_disarm();
		record(IF_LT, ret, errno);
		if (!ret) {
			lt_size[i] = len;
			lt_ours[i] = range_ours(addr, len);
		}
		break;
	case 2:
		op_log("gup_test[%d] PIN_LONGTERM_TEST_STOP", i);
		ret = ioctl(fd, PIN_LONGTERM_TEST_STOP);
		record(IF_LT, ret, errno);
		lt_size[i] = 0;
		break;
	case 3:
	case 4:
		/*
		 * READ and WRITE copy the whole pinned size: pass the bounce
		 * buffer only when it is large enough, else a hole (EFAULT).
		 * WRITE only into pages of our regions (see lt_ours).
		 */
		uaddr = (uintptr_t)bounce;
		if (lt_size[i] > bounce_size || one_in(8))
			uaddr = (uintptr_t)regions[K_HOLE].addr;
		if (one_in(16))
			uaddr = 0;
		write = !(rnd() & 1) && (!lt_size[i] || lt_ours[i]);
		op_log("gup_test[%d] PIN_LONGTERM_TEST_%s buf=%#llx held=%#llx", i,
		       write ? "WRITE" : "READ", (unsigned long long)uaddr,
		       (unsigned long long)lt_size[i]);
		fi_arm();
		ret = ioctl(fd, write ? PIN_LONGTERM_TEST_WRITE :
			    PIN_LONGTERM_TEST_READ, &uaddr);
		fi_disarm();
		record(IF_LT, ret, errno);
		break;
	default:
		/* Close and reopen: the file's pins go with it. */
		op_log("gup_test[%d] close and reopen", i);
		close(fd);
		gup_fds[i] = open(GUP_TEST_FILE, O_RDWR);
		lt_size[i] = 0;
		record(IF_LT, gup_fds[i] < 0 ? -1 : 0, errno);
		if (gup_fds[i] < 0)
			ksft_exit_fail_msg("reopening %s: %s\n", GUP_TEST_FILE,
					   strerror(errno));
		break;
	}
}

static void longterm_stop_all(void)
{
	int i;

	for (i = 0; i < NR_GUP_FDS; i++) {
		ioctl(gup_fds[i], PIN_LONGTERM_TEST_STOP);
		lt_size[i] = 0;
	}
}

/* ---------------------------------------------------------------- */
/* PAGEMAP_SCAN                                                     */

static uint64_t random_categories(void)
{
	/* PAGE_IS_WPALLOWED .. PAGE_IS_SOFT_DIRTY, and PAGE_IS_PINNED */
	uint64_t c = rnd() & (0xff | PAGE_IS_PINNED);

	if (one_in(32))
		c |= rnd();		/* unknown categories (bit 8 too): EINVAL */
	return c;
}

static void op_scan(void)
{
	struct pm_scan_arg arg = { 0 };
	char range[160], cats[160];
	uint64_t addr, len;
	bool in;
	long ret;

	pick_range(&addr, &len, &in);
	if (one_in(8)) {
		struct region *s = &scratch[rnd_below(2)];

		addr = (uintptr_t)s->addr;
		len = s->size;
	}
	arg.size = one_in(16) ? rnd_below(2 * sizeof(arg)) : sizeof(arg);
	/* WP_MATCHING, CHECK_WPASYNC; now and then bits 2 and 3 (unknown?) */
	arg.flags = one_in(8) ? rnd() & 0xf : rnd() & 0x3;
	if (one_in(16))
		arg.flags = rnd();
	arg.start = addr;
	arg.end = one_in(16) ? addr - rnd_below(2) * pagesize : addr + len;
	switch (rnd_below(6)) {
	case 0:
		arg.vec = 0;
		arg.vec_len = 0;
		break;
	case 1:
		/* A bad vector: a hole, or more entries than there are. */
		arg.vec = (uintptr_t)regions[K_HOLE].addr;
		arg.vec_len = 1 + rnd_below(4);
		break;
	default:
		arg.vec = (uintptr_t)vec;
		arg.vec_len = rnd_below(VEC_MAX + 1);
		break;
	}
	arg.max_pages = one_in(2) ? 0 : rnd_below(1024);
	arg.category_inverted = one_in(4) ? random_categories() : 0;
	arg.category_mask = one_in(2) ? random_categories() : 0;
	arg.category_anyof_mask = one_in(2) ? random_categories() : 0;
	arg.return_mask = random_categories();
	snprintf(range, sizeof(range), "start=%#llx end=%#llx vec=%#llx vec_len=%llu",
		 (unsigned long long)arg.start, (unsigned long long)arg.end,
		 (unsigned long long)arg.vec, (unsigned long long)arg.vec_len);
	snprintf(cats, sizeof(cats), "inverted=%#llx mask=%#llx anyof=%#llx return=%#llx",
		 (unsigned long long)arg.category_inverted,
		 (unsigned long long)arg.category_mask,
		 (unsigned long long)arg.category_anyof_mask,
		 (unsigned long long)arg.return_mask);
	op_log("PAGEMAP_SCAN size=%llu flags=%#llx %s max_pages=%llu %s",
	       (unsigned long long)arg.size, (unsigned long long)arg.flags,
	       range, (unsigned long long)arg.max_pages, cats);
	fi_arm();
	ret = ioctl(pagemap_fd, PAGEMAP_SCAN, &arg);
	fi_disarm();
	record(IF_SCAN, ret, errno);
	if (ret > 0 && (uint64_t)ret > arg.vec_len) {
		unexpected++;
		ksft_print_msg("PAGEMAP_SCAN returned %ld regions for vec_len %llu: %s\n",
			       ret, (unsigned long long)arg.vec_len, last_op);
	}
}

/* ---------------------------------------------------------------- */
/* userfaultfd                                                      */

static int uffd_open(void)
{
	int flags = O_CLOEXEC | O_NONBLOCK;

	if (one_in(4))
		flags |= 1;	/* UFFD_USER_MODE_ONLY */
	return syscall(__NR_userfaultfd, flags);
}

static void uffd_wp_register(struct region *r)
{
	struct uffdio_register reg = {
		.range = { (uintptr_t)r->addr, r->size },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	long ret;

	op_log("uffd WP_ASYNC REGISTER %s %#llx+%#llx", kind_name[r->kind],
	       (unsigned long long)reg.range.start,
	       (unsigned long long)reg.range.len);
	ret = ioctl(wp_uffd, UFFDIO_REGISTER, &reg);
	record(IF_UFFD, ret, errno);
	if (!ret)
		r->wp_registered = true;
}

/* The long-lived context: WP_ASYNC, so that no fault ever waits. */
static void uffd_wp_setup(void)
{
	uint64_t extra[] = { UFFD_FEATURE_WP_UNPOPULATED,
			     UFFD_FEATURE_WP_HUGETLBFS_SHMEM,
#ifdef UFFD_FEATURE_WP_PINNED
			     UFFD_FEATURE_WP_PINNED,
#endif
	};
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_WP_ASYNC };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(extra); i++)
		if (one_in(2))
			api.features |= extra[i];
	wp_uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (wp_uffd < 0)
		return;
	if (ioctl(wp_uffd, UFFDIO_API, &api)) {
		close(wp_uffd);
		wp_uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		api.api = UFFD_API;
		api.features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
		if (wp_uffd < 0 || ioctl(wp_uffd, UFFDIO_API, &api)) {
			ksft_print_msg("no uffd WP_ASYNC context: %s\n", strerror(errno));
			if (wp_uffd >= 0)
				close(wp_uffd);
			wp_uffd = -1;
			return;
		}
	}
	ksft_print_msg("uffd WP_ASYNC context features %#llx\n",
		       (unsigned long long)api.features);
}

static void random_uffd_range(struct region *r, struct uffdio_range *range)
{
	uint64_t pages = r->size / pagesize, start, n;
	size_t align = r->kind == K_HUGETLB ? hpsize : pagesize;

	start = rnd_below(pages) * pagesize;
	n = (1 + rnd_below(pages)) * pagesize;
	if (one_in(2)) {
		start &= ~(align - 1);
		n = (n + align - 1) & ~(align - 1);
	}
	if (one_in(8))
		start += 1 + rnd_below(pagesize - 1);
	if (one_in(8))
		n = rnd_below(2) ? 0 : r->size + pagesize;
	range->start = (uintptr_t)r->addr + start;
	range->len = n;
	if (one_in(16))
		range->start = 0xffff888000000000ULL;
}

/* WRITEPROTECT / UNREGISTER / REGISTER on the long-lived context. */
static void op_uffd_wp(void)
{
	struct region *r = &regions[rnd_below(K_HOLE)];
	struct uffdio_writeprotect wp = { 0 };
	struct uffdio_range range;
	long ret;

	if (wp_uffd < 0 || !r->addr)
		return;
	random_uffd_range(r, &range);
	switch (rnd_below(8)) {
	case 0:
		uffd_wp_register(r);
		break;
	case 1:
		op_log("uffd WP_ASYNC UNREGISTER %#llx+%#llx",
		       (unsigned long long)range.start,
		       (unsigned long long)range.len);
		ret = ioctl(wp_uffd, UFFDIO_UNREGISTER, &range);
		record(IF_UFFD, ret, errno);
		break;
	default:
		wp.range = range;
		wp.mode = rnd_below(4);
		if (one_in(16))
			wp.mode = rnd();
		op_log("uffd WP_ASYNC WRITEPROTECT %#llx+%#llx mode=%#llx",
		       (unsigned long long)range.start,
		       (unsigned long long)range.len,
		       (unsigned long long)wp.mode);
		fi_arm();
		ret = ioctl(wp_uffd, UFFDIO_WRITEPROTECT, &wp);
		fi_disarm();
		record(IF_UFFD, ret, errno);
		break;
	}
}

/*
 * A short session on scratch memory: any features (the non-cooperative
 * events included), any register modes, WRITEPROTECT and PAGEMAP_SCAN,
 * then close. Nothing faults on the scratch memory meanwhile.
 */
static void op_uffd_session(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uffdio_writeprotect wp;
	struct uffdio_range range;
	int fd, n;
	long ret;

	fd = uffd_open();
	op_log("uffd session: userfaultfd() = %d", fd);
	record(IF_UFFD, fd < 0 ? -1 : 0, errno);
	if (fd < 0)
		return;
	api.features = rnd() & ((1ULL << 18) - 1);
	if (one_in(8))
		api.features |= 1ULL << (18 + rnd_below(46));
	if (one_in(16))
		api.api = rnd_below(0x100);
	op_log("uffd session: UFFDIO_API api=%#llx features=%#llx",
	       (unsigned long long)api.api, (unsigned long long)api.features);
	ret = ioctl(fd, UFFDIO_API, &api);
	record(IF_UFFD, ret, errno);
	if (one_in(8)) {
		op_log("uffd session: second UFFDIO_API");
		/* Not in record()'s arguments: errno could be read first. */
		ret = ioctl(fd, UFFDIO_API, &api);
		record(IF_UFFD, ret, errno);
	}
	for (n = 1 + rnd_below(6); n; n--) {
		struct region *s = &scratch[rnd_below(2)];

		if (!s->addr)
			continue;
		random_uffd_range(s, &range);
		switch (rnd_below(4)) {
		case 0:
		case 1:
			reg.range = range;
			reg.mode = rnd_below(8);
			if (one_in(16))
				reg.mode = rnd();
			op_log("uffd session: REGISTER %#llx+%#llx mode=%#llx",
			       (unsigned long long)range.start,
			       (unsigned long long)range.len,
			       (unsigned long long)reg.mode);
			ret = ioctl(fd, UFFDIO_REGISTER, &reg);
			break;
		case 2:
			wp.range = range;
			wp.mode = rnd_below(4);
			op_log("uffd session: WRITEPROTECT %#llx+%#llx mode=%#llx",
			       (unsigned long long)range.start,
			       (unsigned long long)range.len,
			       (unsigned long long)wp.mode);
			ret = ioctl(fd, UFFDIO_WRITEPROTECT, &wp);
			break;
		default:
			op_log("uffd session: UNREGISTER %#llx+%#llx",
			       (unsigned long long)range.start,
			       (unsigned long long)range.len);
			ret = ioctl(fd, UFFDIO_UNREGISTER, &range);
			break;
		}
		record(IF_UFFD, ret, errno);
		if (one_in(3))
			op_scan();
	}
	close(fd);
}

/* ---------------------------------------------------------------- */
/* Tracker debugfs                                                  */

static void op_tracker(void)
{
	static const char * const vals[] = {
		"0", "1", "-1", "4194304", "4194305", "99999999999999999999",
		"abc", "", " ", "0x10", "12abc", "\n", "2147483648",
	};
	char buf[8192];
	const char *file;
	ssize_t n;
	int fd;

	switch (rnd_below(4)) {
	case 0: {
		char v[64];

		if (one_in(3))
			snprintf(v, sizeof(v), "%d", getpid());
		else
			snprintf(v, sizeof(v), "%s", vals[rnd_below(ARRAY_SIZE(vals))]);
		op_log("tracker: write filter_pid '%s'", v);
		n = pin_write_buf(PPT_DIR "/filter_pid", v, strlen(v));
		record(IF_TRACKER, n ? -1 : 0, -n);
		return;
	}
	case 1:
		/* A long write. */
		memset(buf, '7', sizeof(buf));
		op_log("tracker: write filter_pid of %zu bytes", sizeof(buf));
		n = pin_write_buf(PPT_DIR "/filter_pid", buf, sizeof(buf));
		record(IF_TRACKER, n ? -1 : 0, -n);
		return;
	case 2:
		file = PPT_DIR "/pinned";
		break;
	default:
		file = one_in(2) ? PPT_DIR "/summary" : PPT_DIR "/filter_pid";
		break;
	}
	op_log("tracker: read %s", file);
	fd = open(file, O_RDONLY);
	if (fd < 0) {
		record(IF_TRACKER, -1, errno);
		return;
	}
	/*
	 * pinned returns one record per read() and ENOMEM when the buffer
	 * cannot hold it (reported to the tracker's authors; tolerated).
	 */
	fi_arm();
	do {
		n = read(fd, buf, 1 + rnd_below(sizeof(buf)));
	} while (n > 0);
	fi_disarm();
	record(IF_TRACKER, n < 0 ? -1 : 0, errno);
	close(fd);
}

/* ---------------------------------------------------------------- */
/* mm operations in between                                         */

static void touch(struct region *r)
{
	size_t i;

	if (!r->addr || !(r->prot & PROT_WRITE))
		return;
	for (i = 0; i < r->size; i += pagesize * (1 + rnd_below(4)))
		r->addr[i]++;
}

static void op_mm(void)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE };
	struct region *r = &regions[rnd_below(K_HOLE)];
	uint64_t off, len;
	int status, prot;
	long ret;
	pid_t pid;

	if (!r->addr) {
		op_log("mm: recreate %s", kind_name[r->kind]);
		region_make(r, r->kind);
		return;
	}
	off = rnd_below(r->size / pagesize) * pagesize;
	len = (1 + rnd_below((r->size - off) / pagesize)) * pagesize;
	if (r->kind == K_HUGETLB) {
		off &= ~(hpsize - 1);
		len = hpsize;
	}
	switch (rnd_below(9)) {
	case 0:
	case 1:
		op_log("mm: touch %s", kind_name[r->kind]);
		touch(r);
		return;
	case 2:
		op_log("mm: MADV_DONTNEED %s +%#llx len %#llx", kind_name[r->kind],
		       (unsigned long long)off, (unsigned long long)len);
		ret = madvise(r->addr + off, len, MADV_DONTNEED);
		break;
	case 3:
		op_log("mm: MADV_PAGEOUT %s +%#llx len %#llx", kind_name[r->kind],
		       (unsigned long long)off, (unsigned long long)len);
		ret = madvise(r->addr + off, len, MADV_PAGEOUT);
		break;
	case 4:
		/* Whole region, so that the recorded protection stays true. */
		prot = prots[rnd_below(ARRAY_SIZE(prots))];
		if (r->kind == K_RDONLY || r->kind == K_PROTNONE)
			prot &= ~PROT_WRITE;
		op_log("mm: mprotect %s %d", kind_name[r->kind], prot);
		ret = mprotect(r->addr, r->size, prot);
		if (!ret)
			r->prot = prot;
		break;
	case 5:
		op_log("mm: recreate %s", kind_name[r->kind]);
		region_make(r, r->kind);
		return;
	case 6:
		op_log("mm: MADV_%sHUGEPAGE %s", one_in(2) ? "NO" : "", kind_name[r->kind]);
		ret = madvise(r->addr, r->size,
			      strstr(last_op, "NO") ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
		break;
	default:
		/*
		 * fork: the child writes (early COW of pinned pages), maybe
		 * pins through an inherited gup_test file and exits without
		 * releasing (the file, shared with the parent, keeps them).
		 */
		op_log("mm: fork, child writes%s", one_in(2) ? " and pins" : "");
		pid = fork();
		if (pid == 0) {
			struct pin_longterm_test args = {
				.addr = (uintptr_t)r->addr + off, .size = len,
				.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE,
			};
			int i;

			for (i = 0; i < K_HOLE; i++)
				touch(&regions[i]);
			if (strstr(last_op, "pins") && (r->prot & PROT_WRITE) &&
			    !ioctl(gup_fds[1], PIN_LONGTERM_TEST_START, &args))
				touch(r);
			_exit(0);
		}
		ret = pid < 0 ? -1 : 0;
		if (pid > 0) {
			waitpid(pid, &status, 0);
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				unexpected++;
				ksft_print_msg("fork child: status %#x after: %s\n",
					       status, last_op);
			}
			/*
			 * The child may hold pins in gup_fds[1] now, on
			 * pages of the region it was given.
			 */
			if (!lt_size[1]) {
				lt_size[1] = bounce_size + 1;
				lt_ours[1] = true;
			}
		}
		break;
	}
	record(IF_MM, ret, errno);
}

/* ---------------------------------------------------------------- */
/* HGM and mshare                                                   */

/* A random range of @r, in bytes from its start: mostly page-aligned. */
static void pick_sub(struct region *r, uint64_t *off, uint64_t *len)
{
	uint64_t pages = r->size / pagesize;

	*off = rnd_below(pages) * pagesize;
	switch (rnd_below(8)) {
	case 0:
		*len = 0;
		break;
	case 1:
		*len = pagesize;
		break;
	case 2:
		*off &= ~(hpsize - 1);
		*len = hpsize;
		break;
	case 3:
		*off += 1 + rnd_below(pagesize - 1);
		*len = pagesize;
		break;
	case 4:
		*len = r->size - *off + pagesize * (1 + rnd_below(4));
		break;
	case 5:
		*len = -(uint64_t)pagesize;
		break;
	default:
		*len = (1 + rnd_below(pages - *off / pagesize)) * pagesize;
		break;
	}
}

/*
 * HGM: UFFDIO_CONTINUE, MADV_SPLIT, MADV_COLLAPSE and MADV_DONTNEED of
 * random ranges of the split mapping; punching a huge page out of the
 * file (then writing it back through the plain mapping, so that there is
 * something to CONTINUE); recreating it all.
 */
static void op_hgm(void)
{
	struct region *r = &regions[K_HGM];
	uint64_t off, len, mode, i;
	long ret;

	if (!r->addr || one_in(64)) {
		op_log("hgm: recreate");
		region_make(r, K_HGM);
		return;
	}
	pick_sub(r, &off, &len);
	switch (rnd_below(8)) {
	case 0 ... 3:
		mode = one_in(4) ? UFFDIO_CONTINUE_MODE_DONTWAKE : 0;
		if (one_in(16))
			mode = rnd();
		op_log("hgm: CONTINUE +%#llx len %#llx mode %#llx", (unsigned long long)off,
		       (unsigned long long)len, (unsigned long long)mode);
		fi_arm();
		ret = hgm_continue(r, off, len, mode);
		fi_disarm();
		break;
	case 4:
		op_log("hgm: MADV_SPLIT +%#llx len %#llx", (unsigned long long)off,
		       (unsigned long long)len);
		fi_arm();
		ret = madvise(r->addr + off, len, MADV_SPLIT);
		fi_disarm();
		break;
	case 5:
		op_log("hgm: MADV_COLLAPSE +%#llx len %#llx", (unsigned long long)off,
		       (unsigned long long)len);
		fi_arm();
		ret = madvise(r->addr + off, len, MADV_COLLAPSE);
		fi_disarm();
		break;
	case 6:
		op_log("hgm: MADV_DONTNEED +%#llx len %#llx", (unsigned long long)off,
		       (unsigned long long)len);
		ret = madvise(r->addr + off, len, MADV_DONTNEED);
		break;
	default:
		off &= ~(hpsize - 1);
		op_log("hgm: punch huge page +%#llx, write it back", (unsigned long long)off);
		ret = fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, hpsize);
		for (i = 0; i < hpsize; i += pagesize)
			r->plain[off + i] = (char)i;
		break;
	}
	record(IF_HGM, ret, errno);
}

/*
 * msharefs: MSHAREFS_CREATE_MAPPING and MSHAREFS_UNMAP with random and
 * bad ranges, protections, flags, descriptors and reserved fields, and
 * unknown commands, on the region mapped here; recreating it.
 */
static void op_mshare(void)
{
	static const int prots[] = { PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE };
	struct region *r = &regions[K_MSHARE];
	struct mshare_create mc = {
		.flags = MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS, .fd = -1,
	};
	struct mshare_unmap mu;
	uint64_t off, len;
	long ret;

	if (!r->addr || one_in(64)) {
		op_log("mshare: recreate");
		if (mshare_align)
			region_make(r, K_MSHARE);
		return;
	}
	pick_sub(r, &off, &len);
	if (one_in(16))
		off = one_in(2) ? mshare_align - pagesize : rnd();
	switch (rnd_below(6)) {
	case 0 ... 2:
		mc.region_offset = off;
		mc.size = len;
		mc.prot = prots[rnd_below(ARRAY_SIZE(prots))];
		if (one_in(16))
			mc.prot = rnd();
		if (one_in(16))
			mc.flags = rnd();
		if (one_in(16))
			mc.fd = one_in(2) ? r->fd : (int)rnd();
		if (one_in(16))
			mc.reserved = rnd();
		if (one_in(16))
			mc.offset = rnd();
		op_log("mshare: CREATE_MAPPING +%#llx len %#llx prot %#x flags %#x fd %d",
		       (unsigned long long)mc.region_offset, (unsigned long long)mc.size,
		       mc.prot, mc.flags, mc.fd);
		fi_arm();
		ret = ioctl(r->fd, MSHAREFS_CREATE_MAPPING, &mc);
		fi_disarm();
		break;
	case 3 ... 4:
		mu.region_offset = off;
		mu.size = len;
		op_log("mshare: UNMAP +%#llx len %#llx", (unsigned long long)off,
		       (unsigned long long)len);
		fi_arm();
		ret = ioctl(r->fd, MSHAREFS_UNMAP, &mu);
		fi_disarm();
		break;
	default:
		op_log("mshare: ioctl 'x' %u", (unsigned int)(2 + rnd_below(4)));
		ret = ioctl(r->fd, _IOW('x', 2 + rnd_below(4), struct mshare_unmap), &mu);
		break;
	}
	record(IF_MSHARE, ret, errno);
}

/* A private msharefs instance for K_MSHARE, when the kernel has one. */
static void mshare_setup(void)
{
	char path[64], buf[32] = "";
	int fd;

	snprintf(mshare_root, sizeof(mshare_root), "/tmp/pin_fuzz.XXXXXX");
	if (!mkdtemp(mshare_root) || mount("none", mshare_root, "msharefs", 0, NULL)) {
		rmdir(mshare_root);
		mshare_root[0] = 0;
		return;
	}
	snprintf(path, sizeof(path), "%s/mshare_info", mshare_root);
	fd = open(path, O_RDONLY);
	if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0)
		mshare_align = strtoull(buf, NULL, 10);
	if (fd >= 0)
		close(fd);
}

static void mshare_teardown(void)
{
	if (!mshare_root[0])
		return;
	umount(mshare_root);
	rmdir(mshare_root);
}

/* ---------------------------------------------------------------- */
/* Regression cases                                                 */

static char *simple_map(size_t size)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	memset(p, 1, size);
	return p;
}

/* gup_test refuses the flags GUP WARNs about, with EINVAL. */
static void test_gup_flags(void)
{
	static const struct {
		unsigned long cmd;
		uint32_t gup_flags, test_flags;
		const char *what;
	} bad[] = {
		{ PIN_FAST_BENCHMARK, FOLL_GET, 0, "PIN_FAST with FOLL_GET" },
		{ PIN_BASIC_TEST, FOLL_GET | FOLL_WRITE, 0, "PIN_BASIC with FOLL_GET" },
		{ GUP_BASIC_TEST, FOLL_PIN_INTERNAL, 0, "GUP_BASIC with FOLL_PIN" },
		{ GUP_FAST_BENCHMARK, FOLL_TOUCH_INTERNAL, 0, "GUP_FAST with FOLL_TOUCH" },
		{ GUP_FAST_BENCHMARK, FOLL_LONGTERM, 0, "GUP_FAST with FOLL_LONGTERM" },
		{ GUP_BASIC_TEST, FOLL_LONGTERM, 0, "GUP_BASIC with FOLL_LONGTERM" },
		{ DUMP_USER_PAGES_TEST, FOLL_LONGTERM, 0, "DUMP (get) with FOLL_LONGTERM" },
		{ PIN_BASIC_TEST, FOLL_LONGTERM | FOLL_PCI_P2PDMA, 0,
		  "PIN_BASIC with FOLL_LONGTERM|FOLL_PCI_P2PDMA" },
		{ PIN_LONGTERM_BENCHMARK, FOLL_PCI_P2PDMA, 0,
		  "PIN_LONGTERM with FOLL_PCI_P2PDMA" },
		{ PIN_FAST_BENCHMARK, FOLL_NOWAIT, 0, "PIN_FAST with FOLL_NOWAIT" },
		{ GUP_FAST_BENCHMARK, 0x80, 0, "GUP_FAST with FOLL_ANON" },
		{ PIN_BASIC_TEST, 1U << 13, 0, "PIN_BASIC with an unknown flag" },
		{ DUMP_USER_PAGES_TEST, 0, 0x2, "DUMP with unknown test_flags" },
	};
	struct snap base;
	char *mem = simple_map(4 * pagesize);
	bool ok = true;
	size_t i;

	snap_take(&base);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct gup_test gup = {
			.addr = (uintptr_t)mem, .size = 4 * pagesize,
			.nr_pages_per_call = 1, .gup_flags = bad[i].gup_flags,
			.test_flags = bad[i].test_flags,
		};
		int ret = ioctl(gup_fds[0], bad[i].cmd, &gup);

		if (ret != -1 || errno != EINVAL) {
			ksft_print_msg("%s: %s, want EINVAL\n", bad[i].what,
				       ret ? strerror(errno) : "success");
			ok = false;
		}
	}
	munmap(mem, 4 * pagesize);
	ok &= balanced_since(&base, "gup_test flags");
	ksft_test_result(ok, "gup_test: FOLL_* flags GUP warns about give EINVAL\n");
}

/* gup_test: a page array too large to allocate is ENOMEM, quietly. */
static void test_gup_crazy_size(void)
{
	struct pin_longterm_test args = { .size = 1ULL << 42 };
	struct gup_test gup = { .size = 1ULL << 42, .nr_pages_per_call = 1 };
	char *mem = simple_map(pagesize);
	bool ok = true;
	int ret;

	gup.addr = (uintptr_t)mem;
	args.addr = gup.addr;
	ret = ioctl(gup_fds[0], PIN_FAST_BENCHMARK, &gup);
	if (ret != -1 || errno != ENOMEM) {
		ksft_print_msg("PIN_FAST of 4 TiB: %s, want ENOMEM\n",
			       ret ? strerror(errno) : "success");
		ok = false;
	}
	ret = ioctl(gup_fds[0], PIN_LONGTERM_TEST_START, &args);
	if (ret != -1 || errno != ENOMEM) {
		ksft_print_msg("PIN_LONGTERM_TEST_START of 4 TiB: %s, want ENOMEM\n",
			       ret ? strerror(errno) : "success");
		ok = false;
		ioctl(gup_fds[0], PIN_LONGTERM_TEST_STOP);
	}
	munmap(mem, pagesize);
	ksft_test_result(ok, "gup_test: a 4 TiB request is ENOMEM without a warning\n");
}

/*
 * gup_test: read pins of memory never written get the shared zero page,
 * which GUP does not count as pinned; gup_test WARNed that it was not.
 */
static void test_zero_page(void)
{
	static const unsigned long cmds[] = {
		PIN_FAST_BENCHMARK, PIN_BASIC_TEST, PIN_LONGTERM_BENCHMARK,
	};
	size_t size = 16 * pagesize, i;
	struct snap base;
	bool ok = true;
	char *mem;

	snap_take(&base);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		struct gup_test gup = { .size = size, .nr_pages_per_call = 3 };

		mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
		madvise(mem, size, MADV_NOHUGEPAGE);
		gup.addr = (uintptr_t)mem;
		if (ioctl(gup_fds[0], cmds[i], &gup)) {
			ksft_print_msg("read pin %zu of untouched memory: %s\n", i,
				       strerror(errno));
			ok = false;
		}
		munmap(mem, size);
	}
	ok &= balanced_since(&base, "zero page");
	ksft_test_result(ok, "gup_test: read pins of the shared zero page, no warning\n");
}

/* gup_test: each open file holds its own long-term pins. */
/*
 * gup_test's MMU_NOTIFIER_TEST_START (an mmu interval notifier on a range
 * of the caller's mm): zero, unaligned, wrapping and flagged ranges are
 * EINVAL, a second START on one file is EINVAL, STOP twice is fine, and a
 * range of 64 TiB with nothing mapped is accepted (a notifier needs no
 * mapping). Splats are caught by the harness. Skipped when gup_test has
 * no such command (ENOTTY) or the kernel no mmu notifiers (EOPNOTSUPP).
 */
static void test_mmu_notifier_args(void)
{
	struct {
		uint64_t addr, size;
		uint32_t flags;
		int err;
	} cases[] = {
		{ 0x10000000, 0, 0, EINVAL },
		{ 0x10000001, 1UL << 20, 0, EINVAL },
		{ 0x10000000, (1UL << 20) + 1, 0, EINVAL },
		{ -(uint64_t)(1UL << 20), 2UL << 20, 0, EINVAL },
		{ 0x10000000, 1UL << 20, 1, EINVAL },
		{ 0x10000000, 1UL << 20, ~0U, EINVAL },
		{ 0, 1ULL << 46, 0, 0 },
	};
	struct pin_longterm_test args = { 0 };
	bool ok = true;
	size_t i;
	int fd;

	fd = open(GUP_TEST_FILE, O_RDWR);
	if (fd < 0)
		ksft_exit_fail_msg("open %s: %s\n", GUP_TEST_FILE, strerror(errno));
	args.addr = 0x10000000;
	args.size = 1UL << 20;
	if (ioctl(fd, MMU_NOTIFIER_TEST_START, &args) &&
	    (errno == ENOTTY || errno == EOPNOTSUPP)) {
		ksft_test_result_skip("gup_test: MMU_NOTIFIER_TEST_START: %s\n",
				      strerror(errno));
		close(fd);
		return;
	}
	ioctl(fd, MMU_NOTIFIER_TEST_STOP);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int want = cases[i].err;
		long ret;

		args.addr = cases[i].addr;
		args.size = cases[i].size;
		args.flags = cases[i].flags;
		ret = ioctl(fd, MMU_NOTIFIER_TEST_START, &args);
		if (want ? !ret || errno != want : !!ret) {
			ksft_print_msg("START %#llx+%#llx flags %#x: %s, want %s\n",
				       (unsigned long long)args.addr,
				       (unsigned long long)args.size, args.flags,
				       ret ? strerror(errno) : "success",
				       want ? strerror(want) : "success");
			ok = false;
		}
		if (!ret && !want) {
			/* One per file: a second START is EINVAL. */
			if (!ioctl(fd, MMU_NOTIFIER_TEST_START, &args) || errno != EINVAL) {
				ksft_print_msg("second MMU_NOTIFIER_TEST_START: not EINVAL\n");
				ok = false;
			}
		}
		if (ioctl(fd, MMU_NOTIFIER_TEST_STOP) || ioctl(fd, MMU_NOTIFIER_TEST_STOP)) {
			ksft_print_msg("MMU_NOTIFIER_TEST_STOP: %s\n", strerror(errno));
			ok = false;
		}
	}
	close(fd);
	ksft_test_result(ok, "gup_test: MMU_NOTIFIER_TEST_START refuses bad ranges and flags\n");
}

/*
 * gup_test's HMM_TEST_SNAPSHOT (hmm_range_fault() without faulting, inside
 * the file's MMU_NOTIFIER_TEST_START range): EINVAL without a notifier,
 * for 0 or more than HMM_TEST_SNAPSHOT_MAX_PAGES pages, an unaligned
 * address, flags, or a range reaching outside the notifier's (also one
 * whose end would wrap past 2^64); over nothing
 * mapped it succeeds with every page HMM_TEST_SNAP_ERROR; a bad output
 * pointer is EFAULT. Skipped like MMU_NOTIFIER_TEST_START.
 */
static void test_hmm_snapshot_args(void)
{
	const uint64_t base = 0x10000000, len = 1UL << 20;
	struct {
		uint64_t addr, npages, flags;
		bool bad_out;
		int err;
	} cases[] = {
		{ base, 0, 0, false, EINVAL },
		{ base, HMM_TEST_SNAPSHOT_MAX_PAGES + 1, 0, false, EINVAL },
		{ base + 1, 1, 0, false, EINVAL },
		{ base, 1, 1, false, EINVAL },
		{ base - 4096, 2, 0, false, EINVAL },
		{ base + len - 4096, 2, 0, false, EINVAL },
		{ base, 1ULL << 52, 0, false, EINVAL },
		{ -(uint64_t)4096, 2, 0, false, EINVAL },	/* would wrap */
		{ base, 8, 0, true, EFAULT },
		{ base + len - 8 * 4096, 8, 0, false, 0 },
	};
	struct pin_longterm_test args = { .addr = base, .size = len };
	struct hmm_test_snapshot snap = { .addr = base, .npages = 1 };
	uint64_t out[8];
	bool ok = true;
	size_t i, j;
	int fd;

	fd = open(GUP_TEST_FILE, O_RDWR);
	if (fd < 0)
		ksft_exit_fail_msg("open %s: %s\n", GUP_TEST_FILE, strerror(errno));
	snap.out = (unsigned long)out;
	if (!ioctl(fd, HMM_TEST_SNAPSHOT, &snap) || errno != EINVAL) {
		ksft_print_msg("HMM_TEST_SNAPSHOT without a notifier: not EINVAL\n");
		ok = false;
	}
	if (ioctl(fd, MMU_NOTIFIER_TEST_START, &args)) {
		ksft_test_result_skip("gup_test: MMU_NOTIFIER_TEST_START: %s\n",
				      strerror(errno));
		close(fd);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int want = cases[i].err;
		long ret;

		snap.addr = cases[i].addr;
		snap.npages = cases[i].npages;
		snap.flags = cases[i].flags;
		snap.out = (unsigned long)out;
		if (cases[i].bad_out)
			snap.out = 8;	/* in the first page, never mapped */
		memset(out, 0, sizeof(out));
		ret = ioctl(fd, HMM_TEST_SNAPSHOT, &snap);
		if (want ? !ret || errno != want : !!ret) {
			ksft_print_msg("SNAPSHOT %#llx x %llu flags %#llx: %s, want %s\n",
				       (unsigned long long)snap.addr,
				       (unsigned long long)snap.npages,
				       (unsigned long long)snap.flags,
				       ret ? strerror(errno) : "success",
				       want ? strerror(want) : "success");
			ok = false;
		}
		for (j = 0; !ret && j < snap.npages; j++) {
			if (out[j] != HMM_TEST_SNAP_ERROR) {
				ksft_print_msg("SNAPSHOT of nothing mapped: page %zu is %#llx\n",
					       j, (unsigned long long)out[j]);
				ok = false;
			}
		}
	}
	ioctl(fd, MMU_NOTIFIER_TEST_STOP);
	close(fd);
	ksft_test_result(ok, "gup_test: HMM_TEST_SNAPSHOT refuses bad ranges and pointers\n");
}

static void test_lt_per_file(void)
{
	struct snap base;
	char *a = simple_map(4 * pagesize), *b = simple_map(4 * pagesize);
	char *buf = simple_map(4 * pagesize);
	struct pin_longterm_test pa = {
		.addr = (uintptr_t)a, .size = 4 * pagesize,
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE,
	}, pb = pa;
	uint64_t ubuf = (uintptr_t)buf;
	int fa, fb;
	bool ok = true;

	pb.addr = (uintptr_t)b;
	memset(a, 0xaa, 4 * pagesize);
	snap_take(&base);
	fa = open(GUP_TEST_FILE, O_RDWR);
	fb = open(GUP_TEST_FILE, O_RDWR);
	if (fa < 0 || fb < 0)
		ksft_exit_fail_msg("open %s: %s\n", GUP_TEST_FILE, strerror(errno));
	if (ioctl(fa, PIN_LONGTERM_TEST_START, &pa)) {
		ksft_print_msg("START on file A: %s\n", strerror(errno));
		ok = false;
	}
	if (ioctl(fb, PIN_LONGTERM_TEST_START, &pb)) {
		ksft_print_msg("START on file B while A holds pins: %s\n",
			       strerror(errno));
		ok = false;
	}
	close(fb);
	memset(buf, 0, 4 * pagesize);
	if (ioctl(fa, PIN_LONGTERM_TEST_READ, &ubuf)) {
		ksft_print_msg("READ on file A after closing B: %s (B's close released A's pins)\n",
			       strerror(errno));
		ok = false;
	} else if (buf[0] != (char)0xaa || buf[4 * pagesize - 1] != (char)0xaa) {
		ksft_print_msg("READ on file A: wrong data\n");
		ok = false;
	}
	close(fa);
	munmap(a, 4 * pagesize);
	munmap(b, 4 * pagesize);
	munmap(buf, 4 * pagesize);
	ok &= balanced_since(&base, "per-file pins");
	ksft_test_result(ok, "gup_test: long-term pins per open file, close releases its own\n");
}

static bool race_stop;
static char *race_mem;

static void *race_pinner(void *arg)
{
	struct pin_longterm_test args = {
		.addr = (uintptr_t)race_mem, .size = 64 * pagesize,
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE,
	};
	uint64_t ubuf = (uintptr_t)race_mem + 64 * pagesize;
	int fd = open(GUP_TEST_FILE, O_RDWR);

	(void)arg;
	while (!__atomic_load_n(&race_stop, __ATOMIC_RELAXED) && fd >= 0) {
		ioctl(fd, PIN_LONGTERM_TEST_START, &args);
		ioctl(fd, PIN_LONGTERM_TEST_READ, &ubuf);
		ioctl(fd, PIN_LONGTERM_TEST_STOP);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/*
 * gup_test: closing one file while another thread pins through another
 * file. Before the per-file state, release freed the global page array
 * without the lock: use after free and double unpins (KASAN, or the
 * pin accounting and tracker checks below).
 */
static void test_lt_close_race(void)
{
	struct pin_longterm_test args = {
		.size = 16 * pagesize, .flags = PIN_LONGTERM_TEST_FLAG_USE_FAST,
	};
	struct timespec t0, t;
	pthread_t th[2];
	struct snap base;
	unsigned long rounds = 0;
	bool ok;
	int i;

	race_mem = simple_map(128 * pagesize);
	args.addr = (uintptr_t)race_mem + 64 * pagesize;
	snap_take(&base);
	__atomic_store_n(&race_stop, false, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, race_pinner, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		int fd = open(GUP_TEST_FILE, O_RDWR);

		if (fd >= 0) {
			ioctl(fd, PIN_LONGTERM_TEST_START, &args);
			close(fd);
		}
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 2);
	__atomic_store_n(&race_stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	munmap(race_mem, 128 * pagesize);
	ok = balanced_since(&base, "close race");
	ksft_print_msg("close race: %lu open/START/close rounds against 2 pinning threads\n",
		       rounds);
	ksft_test_result(ok, "gup_test: close of one file races pins through others\n");
}

/* ---------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void run_fuzz(unsigned long seconds, unsigned long max_ops)
{
	struct snap base;
	unsigned long ops = 0, checkpoints = 0, bad_checkpoints = 0;
	double start = now_s(), next_check = start + 5, checking = 0;
	int k;

	snap_take(&base);
	uffd_wp_setup();
	for (k = 0; k < NR_KINDS; k++)
		if (!region_make(&regions[k], k))
			ksft_print_msg("no %s memory: %s\n", kind_name[k],
				       k == K_MSHARE && !mshare_align ? "no msharefs" :
				       strerror(errno));
	for (k = 0; k < 2; k++) {
		region_make(&scratch[k], k ? (have_hugetlb ? K_HUGETLB : K_SHMEM) : K_SMALL);
		/* Scratch memory is never uffd-registered between sessions. */
		if (scratch[k].wp_registered) {
			struct uffdio_range r = { (uintptr_t)scratch[k].addr, scratch[k].size };

			ioctl(wp_uffd, UFFDIO_UNREGISTER, &r);
			scratch[k].wp_registered = false;
		}
	}

	/*
	 * -t counts the time spent calling, not checking: on a debug kernel
	 * a checkpoint (walks of every pfn for the tracker's files) can take
	 * longer than the calls between two of them.
	 */
	while (!max_ops || ops < max_ops) {
		double t = now_s();

		if (t - start - checking >= seconds)
			break;
		if (t >= next_check) {
			char what[64];
			double took;

			longterm_stop_all();
			snprintf(what, sizeof(what), "checkpoint %lu (op %lu)",
				 checkpoints, ops);
			if (!balanced_since(&base, what))
				bad_checkpoints++;
			checkpoints++;
			took = now_s() - t;
			checking += took;
			ksft_print_msg("checkpoint %lu: %lu ops, %.0f s of calls, check %.1f s\n",
				       checkpoints, ops, t - start - checking + took, took);
			next_check = now_s() + (took * 2 > 5 ? took * 2 : 5);
		}
		switch (rnd_below(22)) {
		case 0 ... 5:
			op_gup();
			break;
		case 6 ... 8:
			op_longterm();
			break;
		case 9 ... 11:
			op_scan();
			break;
		case 12 ... 13:
			op_uffd_wp();
			break;
		case 14:
			op_uffd_session();
			break;
		case 15:
			op_tracker();
			break;
		case 20:
			op_hgm();
			break;
		case 21:
			op_mshare();
			break;
		default:
			op_mm();
			break;
		}
		ops++;
		run_ops = ops;
	}
	ksft_print_msg("%lu ops in %.0f s, %.0f s of it checking (replay: -s SEED -n %lu)\n",
		       ops, now_s() - start, checking, ops);
	print_stats();
	if (fi_ready)
		ksft_print_msg("allocation failures: %lu calls armed one, %lu saw it fail\n",
			       fi_calls, fi_fired);

	/* The end: every pin released, every file closed. */
	for (k = 0; k < NR_GUP_FDS; k++) {
		close(gup_fds[k]);
		gup_fds[k] = -1;
	}
	if (wp_uffd >= 0)
		close(wp_uffd);
	for (k = 0; k < NR_KINDS; k++)
		region_free(&regions[k]);
	for (k = 0; k < 2; k++)
		region_free(&scratch[k]);
	if (tracker_on)
		pin_write_buf(PPT_DIR "/filter_pid", "0", 1);

	ksft_test_result(!unexpected, "%lu calls, each succeeded or failed with an errno\n",
			 ops);
	ksft_test_result(!bad_checkpoints,
			 "foll_pin balanced and tracker clean at %lu of %lu checkpoints\n",
			 checkpoints - bad_checkpoints, checkpoints);
	ksft_test_result(balanced_since(&base, "end"),
			 "at the end, foll_pin balanced%s\n",
			 tracker_on ? ", no pin or tracker event left" : " (tracker off)");
}

int main(int argc, char **argv)
{
	unsigned long seconds = 60, max_ops = 0;
	const char *fi_why = "-F";
	bool no_fi = false;
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	size_t sizes[4];
	int opt, i;

	while ((opt = getopt(argc, argv, "s:t:n:vF")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			seconds = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			max_ops = strtoul(optarg, NULL, 0);
			break;
		case 'v':
			verbose = true;
			break;
		case 'F':
			no_fi = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-t SECONDS] [-n MAX_OPS] [-v] [-F]\n",
				argv[0]);
			return KSFT_FAIL;
		}
	}
	rng_state = seed;
	run_seed = seed;
	catch_fatal_signals();
	ksft_print_header();
	ksft_print_msg("seed %llu\n", (unsigned long long)seed);
	ksft_set_plan(10);

	pagesize = getpagesize();
	thpsize = read_pmd_pagesize();
	if (!thpsize)
		thpsize = 2UL << 20;
	hpsize = default_huge_page_size();
	have_hugetlb = hpsize && detect_hugetlb_page_sizes(sizes, 4) > 0 &&
		       get_free_hugepages() >= 8;
	if (!hpsize)
		hpsize = 2UL << 20;
	for (i = 0; i < NR_GUP_FDS; i++) {
		gup_fds[i] = open(GUP_TEST_FILE, O_RDWR);
		if (gup_fds[i] < 0)
			ksft_exit_skip("%s: %s (CONFIG_GUP_TEST, debugfs, root)\n",
				       GUP_TEST_FILE, strerror(errno));
	}
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0)
		ksft_exit_skip("/proc/self/pagemap: %s\n", strerror(errno));
	tracker_on = !access(PPT_DIR "/summary", R_OK);
	ksft_print_msg("tracker %s, hugetlb %s, THP %zu KiB\n",
		       tracker_on ? "on" : "off",
		       have_hugetlb ? "available" : "not available", thpsize >> 10);
	if (!no_fi)
		fi_why = pin_fi_setup(1);
	fi_ready = !fi_why;
	ksft_print_msg("allocation failures: %s%s\n", fi_ready ? "injected" : "not injected: ",
		       fi_ready ? "" : fi_why);

	bounce_size = 2 * hpsize > 2 * thpsize ? 2 * hpsize : 2 * thpsize;
	bounce = simple_map(bounce_size);
	vec = (struct page_region *)simple_map(VEC_MAX * sizeof(*vec));

	test_gup_flags();
	test_gup_crazy_size();
	test_zero_page();
	test_lt_per_file();
	test_lt_close_race();

	/*
	 * An mm that has had an mmu notifier cannot map an mshare region
	 * (EBUSY), and the two gup_test cases that register one keep it:
	 * they run after the fuzz, which unmaps its region at the end.
	 */
	mshare_setup();
	run_fuzz(seconds, max_ops);
	pin_fi_restore();
	test_mmu_notifier_args();
	test_hmm_snapshot_args();
	mshare_teardown();
	ksft_finished();
}
