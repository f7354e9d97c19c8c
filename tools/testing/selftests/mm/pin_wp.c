// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-wp, PAGEMAP_SCAN and soft-dirty against DMA pins, on anon, shmem,
 * THP and hugetlb memory. gup_test's PIN_LONGTERM_TEST_START plays the
 * device that pins the memory and PIN_LONGTERM_TEST_WRITE the DMA write
 * through the pins, which never goes through the user page tables.
 *
 * - PAGE_IS_PINNED before, during and after a pin, in plain, inverted and
 *   combined masks, per folio on large folios;
 * - the lost write: a WP_ASYNC round sees a pinned page, the device writes
 *   it and it is unpinned, the next round must report it. Stock 6.12 loses
 *   it; with UFFD_FEATURE_WP_PINNED, write-protection leaves pages that may
 *   be pinned writable, so it is reported, whether the unpin comes before
 *   or after the next round;
 * - UFFDIO_WRITEPROTECT with the feature leaves pinned pages writable and
 *   returns their number; a partial pin of a PTE-mapped THP or of an mTHP
 *   keeps the whole folio writable; shmem pinned by another process, or
 *   pinned and not mapped here; two VMAs; mprotect() after a pin;
 *   UFFDIO_CONTINUE with MODE_WP over a page pinned through another
 *   mapping; fork() with UFFD_FEATURE_EVENT_FORK;
 * - clearing soft-dirty leaves a pinned THP soft-dirty and writable;
 * - bad input fails with EINVAL or ENOENT;
 * - a stress (60 s, -t): a copier doing rounds against a device that pins,
 *   writes and unpins (GUP-fast and slow) and a CPU that writes: nothing
 *   lost, pins balanced. "-S" runs only that; "-x" runs it with the
 *   feature off and passes if writes are lost (the checker can fail).
 *
 * "pin_wp -b [MiB]" instead times PAGEMAP_SCAN over anonymous memory
 * (1 GiB by default) with and without PAGE_IS_PINNED, and write-protecting
 * rounds with and without the feature, and prints the ratios.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>

#include "../../../../mm/gup_test.h"
#include "../kselftest.h"
#include "vm_util.h"
#include "pin_util.h"

#define GUP_TEST_FILE	"/sys/kernel/debug/gup_test"
#define NR_SMALL	16
#define VEC_LEN		1024

enum mem_type { ANON, SHMEM, THP, HUGETLB, NR_TYPES };
static const char * const mem_names[] = { "anon", "shmem", "THP", "hugetlb" };

static size_t pagesize, hpagesize, thpsize;
static int gup_fd = -1;
static int pagemap_fd = -1;
static struct page_region vec[VEC_LEN];

struct mem {
	enum mem_type type;
	char *addr;		/* aligned start */
	size_t size;
	char *map;		/* what to munmap */
	size_t map_size;
	size_t pin_off, pin_size;	/* the part that gets pinned */
	int uffd;
};

static long pagemap_scan(char *start, size_t size, uint64_t flags,
			 uint64_t inverted, uint64_t mask, uint64_t anyof,
			 uint64_t ret_mask)
{
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.flags = flags,
		.start = (uintptr_t)start,
		.end = (uintptr_t)start + size,
		.vec = (uintptr_t)vec,
		.vec_len = VEC_LEN,
		.category_inverted = inverted,
		.category_mask = mask,
		.category_anyof_mask = anyof,
		.return_mask = ret_mask,
	};

	return ioctl(pagemap_fd, PAGEMAP_SCAN, &arg);
}

/*
 * Scan and check that exactly [want_off, want_off + want_size) of @m is
 * reported, as one region carrying @want_cats. Returns false and says why
 * otherwise.
 */
static bool scan_expect(const char *what, struct mem *m, uint64_t flags,
			uint64_t inverted, uint64_t mask, uint64_t anyof,
			uint64_t ret_mask, size_t want_off, size_t want_size,
			uint64_t want_cats)
{
	long n = pagemap_scan(m->addr, m->size, flags, inverted, mask, anyof,
			      ret_mask);
	uintptr_t ws = (uintptr_t)m->addr + want_off;

	if (n < 0) {
		ksft_print_msg("%s: PAGEMAP_SCAN: %s\n", what, strerror(errno));
		return false;
	}
	if (!want_size) {
		if (n)
			ksft_print_msg("%s: %ld regions (+0x%llx-+0x%llx: %llx...), want none\n",
				       what, n, vec[0].start - (uintptr_t)m->addr,
				       vec[0].end - (uintptr_t)m->addr,
				       (unsigned long long)vec[0].categories);
		return n == 0;
	}
	if (n != 1 || vec[0].start != ws || vec[0].end != ws + want_size ||
	    vec[0].categories != want_cats) {
		ksft_print_msg("%s: %ld regions (+%llx-+%llx: %llx...), want +%zx-+%zx: %llx\n",
			       what, n, n > 0 ? vec[0].start - (uintptr_t)m->addr : 0,
			       n > 0 ? vec[0].end - (uintptr_t)m->addr : 0,
			       n > 0 ? (unsigned long long)vec[0].categories : 0,
			       want_off, want_off + want_size,
			       (unsigned long long)want_cats);
		return false;
	}
	return true;
}

static int pin(char *addr, size_t size, bool write)
{
	struct pin_longterm_test args = {
		.addr = (uintptr_t)addr,
		.size = size,
		.flags = write ? PIN_LONGTERM_TEST_FLAG_USE_WRITE : 0,
	};

	return ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args) ? -errno : 0;
}

static void unpin(void)
{
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP))
		ksft_print_msg("PIN_LONGTERM_TEST_STOP: %s\n", strerror(errno));
}

/* The "device" writes @size bytes of @c through the pins. */
static int dma_write(size_t size, char c)
{
	char *buf = malloc(size);
	__u64 uaddr = (uintptr_t)buf;
	int ret;

	if (!buf)
		return -ENOMEM;
	memset(buf, c, size);
	ret = ioctl(gup_fd, PIN_LONGTERM_TEST_WRITE, &uaddr) ? -errno : 0;
	free(buf);
	return ret;
}

static int uffd_open(uint64_t features, uint64_t *supported)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (supported)
		*supported = api.features;
	return fd;
}

static int uffd_wp(int uffd, char *addr, size_t len, bool protect)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	return ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) ? -errno : 0;
}

static void unmap_mem(struct mem *m)
{
	if (m->uffd >= 0)
		close(m->uffd);
	if (m->map)
		munmap(m->map, m->map_size);
	m->map = NULL;
	m->uffd = -1;
}

/*
 * Map and populate @type memory; pin_off/pin_size is the middle half of
 * the small pages, or the whole huge page. With @features, register the
 * range for uffd-wp on a new userfaultfd first. Returns a skip reason, or
 * NULL.
 */
static const char *map_mem(struct mem *m, enum mem_type type,
			   uint64_t features)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->uffd = -1;
	switch (type) {
	case ANON:
	case SHMEM:
		m->size = NR_SMALL * pagesize;
		m->map_size = m->size;
		m->map = mmap(NULL, m->size, PROT_READ | PROT_WRITE,
			      (type == ANON ? MAP_PRIVATE : MAP_SHARED) |
			      MAP_ANONYMOUS, -1, 0);
		m->pin_off = m->size / 4;
		m->pin_size = m->size / 2;
		break;
	case THP:
		if (!thpsize)
			return "THP not supported";
		m->size = thpsize;
		m->map_size = 2 * thpsize;
		m->map = mmap(NULL, m->map_size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		m->pin_size = m->size;
		break;
	case HUGETLB:
		if (!hpagesize)
			return "no hugetlb support";
		m->size = hpagesize;
		m->map_size = m->size;
		m->map = mmap(NULL, m->size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		m->pin_size = m->size;
		break;
	default:
		return "bad type";
	}
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		return type == HUGETLB ? "no free hugetlb pages" : "mmap failed";
	}
	m->addr = m->map;
	if (type == THP) {
		m->addr = (char *)(((uintptr_t)m->map + thpsize - 1) &
				   ~(thpsize - 1));
		if (madvise(m->addr, m->size, MADV_HUGEPAGE)) {
			unmap_mem(m);
			return "MADV_HUGEPAGE failed";
		}
	} else if (type == ANON) {
		/* Small pages: the per-page answers are the point here. */
		madvise(m->addr, m->size, MADV_NOHUGEPAGE);
	}
	if (features) {
		if (type == SHMEM || type == HUGETLB)
			features |= UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
		m->uffd = uffd_open(features, NULL);
		if (m->uffd < 0) {
			m->uffd = -1;
			unmap_mem(m);
			return "userfaultfd or its features not available";
		}
		if (uffd_register(m->uffd, m->addr, m->size, false, true,
				  false)) {
			unmap_mem(m);
			return "UFFDIO_REGISTER_MODE_WP failed";
		}
	}
	memset(m->addr, 0x11, m->size);
	if (type == THP && !check_huge_anon(m->addr, 1, thpsize)) {
		unmap_mem(m);
		return "no THP available";
	}
	return NULL;
}

static bool dma_landed(struct mem *m, char c)
{
	size_t i;

	for (i = 0; i < m->pin_size; i++)
		if (m->addr[m->pin_off + i] != c)
			return false;
	return true;
}

/* PAGE_IS_PINNED before, during and after a pin, in every kind of mask. */
static void test_category(enum mem_type type)
{
	const char *name = mem_names[type];
	uint64_t huge = (type == THP || type == HUGETLB) ? PAGE_IS_HUGE : 0;
	uint64_t base = PAGE_IS_PRESENT | huge;
	struct mem m;
	const char *skip = map_mem(&m, type, UFFD_FEATURE_WP_ASYNC);
	bool ok = true;
	int ret;

	if (skip) {
		ksft_test_result_skip("PAGE_IS_PINNED %s: %s\n", name, skip);
		return;
	}
	ok &= scan_expect("before pin", &m, 0, 0, PAGE_IS_PINNED, 0,
			  PAGE_IS_PINNED, 0, 0, 0);
	ok &= scan_expect("before pin, inverted", &m, 0, PAGE_IS_PINNED,
			  PAGE_IS_PINNED, 0, PAGE_IS_PINNED | PAGE_IS_PRESENT,
			  0, m.size, PAGE_IS_PRESENT);
	ret = pin(m.addr + m.pin_off, m.pin_size, true);
	if (ret) {
		ksft_test_result_fail("PAGE_IS_PINNED %s: pin: %s\n", name,
				      strerror(-ret));
		unmap_mem(&m);
		return;
	}
	ok &= scan_expect("pinned", &m, 0, 0, PAGE_IS_PINNED, 0,
			  PAGE_IS_PINNED | base, m.pin_off, m.pin_size,
			  PAGE_IS_PINNED | base);
	ok &= scan_expect("pinned, any-of", &m, 0, 0, 0,
			  PAGE_IS_PINNED | PAGE_IS_SWAPPED, PAGE_IS_PINNED,
			  m.pin_off, m.pin_size, PAGE_IS_PINNED);
	ok &= scan_expect("pinned and WPALLOWED", &m, 0, 0,
			  PAGE_IS_PINNED | PAGE_IS_WPALLOWED, 0,
			  PAGE_IS_PINNED | PAGE_IS_WPALLOWED, m.pin_off,
			  m.pin_size, PAGE_IS_PINNED | PAGE_IS_WPALLOWED);
	if (m.pin_size != m.size) {
		/* Inverted: the pages around the pinned ones, not those. */
		uintptr_t a = (uintptr_t)m.addr;

		ret = pagemap_scan(m.addr, m.size, 0, PAGE_IS_PINNED,
				   PAGE_IS_PINNED, 0, PAGE_IS_PINNED);
		if (ret != 2 || vec[0].start != a ||
		    vec[0].end != a + m.pin_off ||
		    vec[1].start != a + m.pin_off + m.pin_size ||
		    vec[1].end != a + m.size) {
			ksft_print_msg("inverted: %d regions, expected the 2 unpinned ends\n",
				       ret);
			ok = false;
		}
	} else {
		ok &= scan_expect("not pinned (inverted)", &m, 0,
				  PAGE_IS_PINNED, PAGE_IS_PINNED, 0,
				  PAGE_IS_PINNED, 0, 0, 0);
	}
	/* Written and pinned, then (after a WP round) pinned, not written. */
	ok &= scan_expect("pinned and written", &m, 0, 0,
			  PAGE_IS_PINNED | PAGE_IS_WRITTEN, 0,
			  PAGE_IS_PINNED | PAGE_IS_WRITTEN, m.pin_off,
			  m.pin_size, PAGE_IS_PINNED | PAGE_IS_WRITTEN);
	if (pagemap_scan(m.addr, m.size, PM_SCAN_WP_MATCHING |
			 PM_SCAN_CHECK_WPASYNC, 0, PAGE_IS_WRITTEN, 0,
			 PAGE_IS_WRITTEN) < 0) {
		ksft_print_msg("WP round: %s\n", strerror(errno));
		ok = false;
	}
	ok &= scan_expect("pinned, not written", &m, 0, PAGE_IS_WRITTEN,
			  PAGE_IS_PINNED | PAGE_IS_WRITTEN, 0,
			  PAGE_IS_PINNED | PAGE_IS_WRITTEN, m.pin_off,
			  m.pin_size, PAGE_IS_PINNED);
	unpin();
	ok &= scan_expect("after unpin", &m, 0, 0, PAGE_IS_PINNED, 0,
			  PAGE_IS_PINNED, 0, 0, 0);
	ok &= scan_expect("after unpin, inverted", &m, 0, PAGE_IS_PINNED,
			  PAGE_IS_PINNED, 0, PAGE_IS_PINNED | PAGE_IS_PRESENT,
			  0, m.size, PAGE_IS_PRESENT);
	ksft_test_result(ok, "PAGE_IS_PINNED %s: exact before, during and after a pin\n",
			 name);
	unmap_mem(&m);
}

/* PAGEMAP_SCAN write-protecting round: the written pages, then protected. */
static long wp_round(struct mem *m)
{
	return pagemap_scan(m->addr, m->size,
			    PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC, 0,
			    PAGE_IS_WRITTEN, 0, PAGE_IS_WRITTEN);
}

/* A round must report exactly [off, off + size) of @m as written. */
static bool round_expect(const char *what, struct mem *m, size_t off,
			 size_t size)
{
	return scan_expect(what, m, PM_SCAN_WP_MATCHING |
			   PM_SCAN_CHECK_WPASYNC, 0, PAGE_IS_WRITTEN, 0,
			   PAGE_IS_WRITTEN, off, size, PAGE_IS_WRITTEN);
}

/* Without write-protecting: exactly [off, off + size) is written. */
static bool written_expect(const char *what, struct mem *m, size_t off,
			   size_t size)
{
	return scan_expect(what, m, 0, 0, PAGE_IS_WRITTEN, 0,
			   PAGE_IS_WRITTEN, off, size, PAGE_IS_WRITTEN);
}

static bool dma_write_landed(struct mem *m, char c)
{
	int ret = dma_write(m->pin_size, c);

	if (ret || !dma_landed(m, c)) {
		ksft_print_msg("DMA write: %s\n", ret ? strerror(-ret) :
			       "data not visible");
		return false;
	}
	return true;
}

/*
 * The lost write of a live-migration or snapshot tool doing rounds of
 * PAGEMAP_SCAN (WP_MATCHING, PAGE_IS_WRITTEN) on WP_ASYNC memory:
 * round N sees a pinned page; the device writes it and it is unpinned;
 * round N+1 must report it.
 *
 * - stock (no UFFD_FEATURE_WP_PINNED): round N protects the pinned page,
 *   and round N+1 misses the device write: this is what the feature is for;
 * - with the feature, unpinned before round N+1: round N+1 reports it;
 * - with the feature, unpinned after round N+1: N+1 and N+2 report it.
 * In both feature cases the round after the one that reported the
 * unpinned page reports nothing: it was protected again.
 */
static void test_lost_write(enum mem_type type)
{
	const char *name = mem_names[type];
	uint64_t f = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_PINNED;
	const char *what[3] = {
		"without UFFD_FEATURE_WP_PINNED, the device write is lost (stock)",
		"with UFFD_FEATURE_WP_PINNED, unpinned before round N+1: reported",
		"with UFFD_FEATURE_WP_PINNED, unpinned after round N+1: reported twice",
	};
	int c;

	for (c = 0; c < 3; c++) {
		const char *skip;
		bool ok = true;
		struct mem m;
		int ret;

		skip = map_mem(&m, type, c ? f : UFFD_FEATURE_WP_ASYNC);
		if (skip) {
			ksft_test_result_skip("lost write %s, %s: %s\n", name,
					      what[c], skip);
			continue;
		}
		ret = pin(m.addr + m.pin_off, m.pin_size, true);
		if (ret) {
			ksft_test_result_fail("lost write %s, %s: pin: %s\n",
					      name, what[c], strerror(-ret));
			unmap_mem(&m);
			continue;
		}
		/* Round N: everything was written by the CPU. */
		ok &= round_expect("round N", &m, 0, m.size);
		if (c)	/* pinned pages were left writable */
			ok &= written_expect("after round N", &m, m.pin_off,
					     m.pin_size);
		else
			ok &= written_expect("after round N", &m, 0, 0);
		ok &= dma_write_landed(&m, 0x22);
		if (c == 2) {
			ok &= round_expect("round N+1, pinned", &m, m.pin_off,
					   m.pin_size);
			ok &= dma_write_landed(&m, 0x23);
		}
		unpin();
		if (c)
			ok &= round_expect("round after unpin", &m, m.pin_off,
					   m.pin_size);
		else
			ok &= round_expect("round N+1 (stock: lost)", &m, 0,
					   0);
		ok &= round_expect("next round", &m, 0, 0);
		ksft_test_result(ok, "lost write %s, %s\n", name, what[c]);
		unmap_mem(&m);
	}
}

/* Was any page of @m left write-protected? (PAGE_IS_WRITTEN is "not") */
static bool range_untouched(struct mem *m)
{
	return scan_expect("untouched", m, 0, 0, PAGE_IS_WRITTEN, 0,
			   PAGE_IS_WRITTEN, 0, m->size, PAGE_IS_WRITTEN);
}

static bool range_protected(struct mem *m, size_t off, size_t size)
{
	return scan_expect("protected", m, 0, PAGE_IS_WRITTEN,
			   PAGE_IS_WRITTEN, 0, PAGE_IS_WRITTEN, off, size, 0);
}

/* UFFDIO_WRITEPROTECT: with the feature, the return value counts pages. */
static bool wp_expect(const char *what, int uffd, char *addr, size_t len,
		      long want)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	long ret = ioctl(uffd, UFFDIO_WRITEPROTECT, &wp);

	if (ret < 0 && want < 0 && errno == -want)
		return true;
	if (ret != want) {
		ksft_print_msg("%s: UFFDIO_WRITEPROTECT returned %ld (%s), want %ld\n",
			       what, ret, ret < 0 ? strerror(errno) : "pages",
			       want);
		return false;
	}
	return true;
}

/*
 * Write protection skips the PTE tables of anonymous memory that no pin
 * was ever taken through (include/linux/pte_pin_hint.h), so the hint must
 * be set by every way a pin reaches a table, and follow pinned pages
 * wherever their PTEs go. Each case pins, then checks that a round and
 * UFFDIO_WRITEPROTECT leave the pinned pages writable and that the device
 * write is reported after the unpin:
 * - a GUP-fast pin (the others pin through the slow path);
 * - a THP pinned through its PMD, then split by mprotect() of one page;
 * - pinned small pages moved by mremap() into a new page table.
 */
enum hint_case { HINT_FAST, HINT_THP_SPLIT, HINT_MREMAP, NR_HINT_CASES };

/* hint_move()'s reservation for mremap(): unmapped by test_pin_hint(). */
static char *hint_resv;
static size_t hint_resv_size;

static const char *hint_move(struct mem *m, enum hint_case c)
{
	size_t pmd = thpsize ? thpsize : 2UL << 20;
	char *dst;

	switch (c) {
	case HINT_THP_SPLIT:
		if (mprotect(m->addr + pagesize, pagesize, PROT_READ) ||
		    mprotect(m->addr + pagesize, pagesize, PROT_READ | PROT_WRITE))
			return "mprotect failed";
		if (check_huge_anon(m->addr, 1, thpsize))
			return "the THP was not split";
		return NULL;
	case HINT_MREMAP:
		/*
		 * Into a PMD range where nothing was ever mapped (so a new
		 * page table), at an address that is not PMD-aligned (so PTE
		 * by PTE, not by moving the whole table).
		 */
		hint_resv_size = 4 * pmd;
		hint_resv = mmap(NULL, hint_resv_size, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (hint_resv == MAP_FAILED) {
			hint_resv = NULL;
			return "mmap failed";
		}
		dst = (char *)(((uintptr_t)hint_resv + pmd - 1) & ~(pmd - 1)) +
		      pmd / 2 + 3 * pagesize;
		if (mremap(m->addr, m->size, m->size,
			   MREMAP_MAYMOVE | MREMAP_FIXED, dst) != dst)
			return "mremap failed";
		/* unmap_mem() unmaps the old reservation, hint_resv the new. */
		m->addr = dst;
		/*
		 * Without UFFD_FEATURE_EVENT_REMAP the moved range is no
		 * longer registered: register it again.
		 */
		if (uffd_register(m->uffd, m->addr, m->size, false, true, false))
			return "UFFDIO_REGISTER after mremap failed";
		return NULL;
	default:
		return NULL;
	}
}

/*
 * Small anonymous pages alone in a PMD range where nothing was mapped
 * before, so that their page table is new: a table that an earlier test
 * pinned through would still carry the hint.
 */
static const char *map_anon_fresh(struct mem *m, uint64_t features)
{
	size_t pmd = thpsize ? thpsize : 2UL << 20;
	char *addr;

	memset(m, 0, sizeof(*m));
	m->type = ANON;
	m->uffd = -1;
	m->size = NR_SMALL * pagesize;
	m->pin_off = m->size / 4;
	m->pin_size = m->size / 2;
	m->map_size = 4 * pmd;
	m->map = mmap(NULL, m->map_size, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		return "mmap failed";
	}
	addr = (char *)(((uintptr_t)m->map + pmd - 1) & ~(pmd - 1)) + pmd;
	m->addr = mmap(addr, m->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (m->addr != addr) {
		unmap_mem(m);
		return "mmap MAP_FIXED failed";
	}
	madvise(m->addr, m->size, MADV_NOHUGEPAGE);
	m->uffd = uffd_open(features, NULL);
	if (m->uffd < 0) {
		m->uffd = -1;
		unmap_mem(m);
		return "userfaultfd or its features not available";
	}
	if (uffd_register(m->uffd, m->addr, m->size, false, true, false)) {
		unmap_mem(m);
		return "UFFDIO_REGISTER_MODE_WP failed";
	}
	memset(m->addr, 0x11, m->size);
	return NULL;
}

static void test_pin_hint(enum hint_case c)
{
	static const char * const what[] = {
		"anon pinned by GUP-fast",
		"THP pinned, then split by mprotect()",
		"anon pinned, then moved by mremap()",
	};
	struct pin_longterm_test args = {
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE,
	};
	const char *skip;
	bool ok = true;
	struct mem m;

	/* A THP's table is allocated with it: new as well. */
	if (c == HINT_THP_SPLIT)
		skip = map_mem(&m, THP, UFFD_FEATURE_WP_ASYNC |
			       UFFD_FEATURE_WP_PINNED);
	else
		skip = map_anon_fresh(&m, UFFD_FEATURE_WP_ASYNC |
				      UFFD_FEATURE_WP_PINNED);
	if (skip) {
		ksft_test_result_skip("pin hint: %s: %s\n", what[c], skip);
		return;
	}
	if (c == HINT_FAST)
		args.flags |= PIN_LONGTERM_TEST_FLAG_USE_FAST;
	args.addr = (uintptr_t)m.addr + m.pin_off;
	args.size = m.pin_size;
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args)) {
		ksft_test_result_fail("pin hint: %s: pin: %s\n", what[c],
				      strerror(errno));
		unmap_mem(&m);
		return;
	}
	skip = hint_move(&m, c);
	if (skip) {
		unpin();
		ksft_test_result_skip("pin hint: %s: %s\n", what[c], skip);
		goto out;
	}
	ok &= round_expect("round N", &m, 0, m.size);
	ok &= written_expect("after round N", &m, m.pin_off, m.pin_size);
	ok &= wp_expect("UFFDIO_WRITEPROTECT", m.uffd, m.addr, m.size,
			m.pin_size / pagesize);
	ok &= written_expect("after UFFDIO_WRITEPROTECT", &m, m.pin_off,
			     m.pin_size);
	ok &= dma_write_landed(&m, 0x5a);
	unpin();
	ok &= round_expect("round after unpin", &m, m.pin_off, m.pin_size);
	ok &= round_expect("next round", &m, 0, 0);
	ksft_test_result(ok, "pin hint: %s: pinned pages left writable, device write reported\n",
			 what[c]);
out:
	unmap_mem(&m);
	if (hint_resv)
		munmap(hint_resv, hint_resv_size);
	hint_resv = NULL;
}

/*
 * UFFDIO_WRITEPROTECT over pinned pages: with the feature, the pinned
 * pages (all pages of a pinned huge page) are left writable and counted;
 * the device write is then reported. Without it, all is protected (stock).
 */
static void test_uffd_wp(enum mem_type type)
{
	const char *name = mem_names[type];
	struct mem m;
	const char *skip = map_mem(&m, type, UFFD_FEATURE_WP_ASYNC |
				   UFFD_FEATURE_WP_PINNED);
	bool ok = true, stock = true;
	int ret;

	if (skip) {
		ksft_test_result_skip("UFFD_FEATURE_WP_PINNED %s: %s\n", name,
				      skip);
		ksft_test_result_skip("UFFDIO_WRITEPROTECT %s without the feature: %s\n",
				      name, skip);
		return;
	}
	ret = pin(m.addr + m.pin_off, m.pin_size, true);
	if (ret) {
		ksft_test_result_fail("UFFD_FEATURE_WP_PINNED %s: pin: %s\n",
				      name, strerror(-ret));
		ksft_test_result_skip("UFFDIO_WRITEPROTECT %s without the feature: no pin\n",
				      name);
		unmap_mem(&m);
		return;
	}
	ok &= wp_expect("WP over the pins", m.uffd, m.addr, m.size,
			m.pin_size / pagesize);
	ok &= written_expect("pinned pages left writable", &m, m.pin_off,
			     m.pin_size);
	/* Protecting again finds the same pages: idempotent. */
	ok &= wp_expect("WP again", m.uffd, m.addr, m.size,
			m.pin_size / pagesize);
	ok &= dma_write_landed(&m, 0x24);
	unpin();
	ok &= written_expect("device write reported after unpin", &m,
			     m.pin_off, m.pin_size);
	ok &= wp_expect("WP after unpin", m.uffd, m.addr, m.size, 0);
	ok &= range_protected(&m, 0, m.size);
	/* Un-protecting is not affected and returns 0. */
	ret = uffd_wp(m.uffd, m.addr, m.size, false);
	if (ret) {
		ksft_print_msg("un-WP: %s\n", strerror(-ret));
		ok = false;
	}
	ok &= range_untouched(&m);
	ksft_test_result(ok, "UFFD_FEATURE_WP_PINNED %s: %s\n", name,
			 "pinned pages left writable and counted, device write reported");
	unmap_mem(&m);

	/* Without the feature: protected, pins or not, as in stock 6.12. */
	skip = map_mem(&m, type, UFFD_FEATURE_WP_ASYNC);
	if (skip) {
		ksft_test_result_skip("UFFDIO_WRITEPROTECT %s without the feature: %s\n",
				      name, skip);
		return;
	}
	ret = pin(m.addr + m.pin_off, m.pin_size, true);
	if (!ret) {
		stock = wp_expect("WP without the feature", m.uffd, m.addr,
				  m.size, 0) &&
			range_protected(&m, 0, m.size);
		unpin();
	} else {
		ksft_print_msg("pin: %s\n", strerror(-ret));
		stock = false;
	}
	ksft_test_result(stock, "UFFDIO_WRITEPROTECT %s without the feature: %s\n",
			 name, "pinned range protected (stock)");
	unmap_mem(&m);
}

/* kpageflags bits */
#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16

static uint64_t kpf_of(char *addr)
{
	unsigned long pfn = pagemap_get_pfn(pagemap_fd, addr);
	uint64_t flags = 0;
	int fd = open("/proc/kpageflags", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &flags, sizeof(flags), pfn * sizeof(flags)) !=
	    sizeof(flags))
		flags = 0;
	close(fd);
	return flags;
}

static bool in_large_folio(char *addr)
{
	return kpf_of(addr) & ((1ULL << KPF_COMPOUND_HEAD) |
				   (1ULL << KPF_COMPOUND_TAIL));
}

/*
 * A pin on some pages of a PTE-mapped large folio keeps every page of the
 * folio writable: the kernel does not know which pages a pin on a large
 * folio covers (an io_uring fixed buffer keeps one pin for a whole
 * coalesced folio). THP split into PTEs by a partial mprotect(); and an
 * mTHP of 64 KiB, when the kernel has them.
 */
static void test_partial_large(bool mthp)
{
	const char *name = mthp ? "64 KiB mTHP" : "PTE-mapped THP";
	const char *ctl = "/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled";
	char old[64] = "", *map = NULL;
	size_t fsize = mthp ? 64 << 10 : thpsize, i;
	struct mem m = { .uffd = -1 };
	const char *skip = NULL;
	bool ok = true;
	int fd, ret;

	if (!thpsize) {
		ksft_test_result_skip("partial pin in a %s: THP not supported\n",
				      name);
		return;
	}
	if (mthp) {
		fd = open(ctl, O_RDWR);
		if (fd < 0 || read(fd, old, sizeof(old) - 1) <= 0 ||
		    pwrite(fd, "always", 6, 0) != 6) {
			if (fd >= 0)
				close(fd);
			ksft_test_result_skip("partial pin in a %s: %s not writable\n",
					      name, ctl);
			return;
		}
		close(fd);
		/* "always [inherit] madvise never": keep the bracketed one. */
		if (strchr(old, '['))
			memmove(old, strchr(old, '[') + 1, strlen(old));
		old[strcspn(old, "]\n")] = 0;
	}
	/* A mapping too small for a PMD THP gets the mTHP. */
	m.type = ANON;
	m.map_size = 2 * fsize;
	map = mmap(NULL, m.map_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		skip = "mmap failed";
		goto out;
	}
	m.map = map;
	m.addr = (char *)(((uintptr_t)map + fsize - 1) & ~(fsize - 1));
	m.size = fsize;
	if (mthp) {
		munmap(m.addr + fsize, map + m.map_size - (m.addr + fsize));
		if (m.addr != map)
			munmap(map, m.addr - map);
		m.map = m.addr;
		m.map_size = fsize;
	} else {
		madvise(m.addr, m.size, MADV_HUGEPAGE);
	}
	/* Before registering: the fault path gives uffd VMAs no mTHP. */
	memset(m.addr, 0x11, m.size);
	if (!in_large_folio(m.addr) || !in_large_folio(m.addr + m.size - 1)) {
		skip = mthp ? "no 64 KiB folio allocated" : "no THP available";
		goto out;
	}
	m.uffd = uffd_open(UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_PINNED,
			   NULL);
	if (m.uffd < 0 || uffd_register(m.uffd, m.addr, m.size, false, true,
					false)) {
		skip = "uffd-wp registration failed";
		goto out;
	}
	if (!mthp) {
		/* Split the PMD mapping, keep the folio: PTE-mapped THP. */
		if (mprotect(m.addr, pagesize, PROT_READ) ||
		    mprotect(m.addr, pagesize, PROT_READ | PROT_WRITE)) {
			skip = "mprotect failed";
			goto out;
		}
		if (check_huge_anon(m.addr, 1, thpsize) ||
		    !in_large_folio(m.addr)) {
			skip = "THP not PTE-mapped after a partial mprotect";
			goto out;
		}
	}
	/* Pin pages 2 and 3 only. */
	m.pin_off = 2 * pagesize;
	m.pin_size = 2 * pagesize;
	ret = pin(m.addr + m.pin_off, m.pin_size, true);
	if (ret) {
		ksft_test_result_fail("partial pin in a %s: pin: %s\n", name,
				      strerror(-ret));
		goto out_unmap;
	}
	ok &= scan_expect("PAGE_IS_PINNED per folio", &m, 0, 0,
			  PAGE_IS_PINNED, 0, PAGE_IS_PINNED, 0, m.size,
			  PAGE_IS_PINNED);
	ok &= wp_expect("WP over the folio", m.uffd, m.addr, m.size,
			m.size / pagesize);
	ok &= written_expect("whole folio left writable", &m, 0, m.size);
	ok &= dma_write_landed(&m, 0x25);
	unpin();
	ok &= round_expect("round after unpin", &m, 0, m.size);
	ok &= round_expect("next round", &m, 0, 0);
	for (i = 0; i < m.size && ok; i += pagesize)
		if (m.addr[i] != ((i >= m.pin_off && i < m.pin_off + m.pin_size) ?
				  0x25 : 0x11)) {
			ksft_print_msg("page +0x%zx: wrong data\n", i);
			ok = false;
		}
	ksft_test_result(ok, "partial pin in a %s: every page of the folio left writable\n",
			 name);
	goto out_unmap;
out:
	ksft_test_result_skip("partial pin in a %s: %s\n", name, skip);
out_unmap:
	unmap_mem(&m);
	if (mthp && old[0]) {
		fd = open(ctl, O_WRONLY);
		if (fd >= 0) {
			if (write(fd, old, strlen(old)) < 0)
				ksft_print_msg("restoring %s: %s\n", ctl,
					       strerror(errno));
			close(fd);
		}
	}
}

static void wait_byte(int fd, char want)
{
	char c = 0;

	if (read(fd, &c, 1) != 1 || c != want)
		ksft_print_msg("pipe: got '%c', want '%c'\n", c, want);
}

/*
 * Shmem pinned by another process, which holds no uffd and shares only
 * the pages: this mm never pinned anything. Its write-protection leaves
 * the pages writable, and the other process's device write is reported.
 */
static void test_shmem_other_mm(void)
{
	int to_child[2], to_parent[2];
	bool ok = true;
	struct mem m;
	const char *skip = map_mem(&m, SHMEM, UFFD_FEATURE_WP_ASYNC |
				   UFFD_FEATURE_WP_PINNED);
	pid_t pid;
	int status;

	if (skip) {
		ksft_test_result_skip("shmem pinned by another process: %s\n",
				      skip);
		return;
	}
	if (pipe(to_child) || pipe(to_parent)) {
		ksft_test_result_fail("shmem pinned by another process: pipe\n");
		unmap_mem(&m);
		return;
	}
	pid = fork();
	if (!pid) {
		char c = pin(m.addr + m.pin_off, m.pin_size, true) ? 'e' : 'p';

		if (write(to_parent[1], &c, 1) != 1 || c == 'e')
			_exit(1);
		wait_byte(to_child[0], 'w');
		c = dma_write(m.pin_size, 0x66) ? 'e' : 'd';
		unpin();
		if (write(to_parent[1], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	wait_byte(to_parent[0], 'p');
	ok &= wp_expect("WP over the other process's pins", m.uffd, m.addr,
			m.size, m.pin_size / pagesize);
	ok &= written_expect("pinned pages left writable", &m, m.pin_off,
			     m.pin_size);
	if (write(to_child[1], "w", 1) != 1)
		ok = false;
	wait_byte(to_parent[0], 'd');
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ksft_print_msg("child failed\n");
		ok = false;
	}
	ok &= dma_landed(&m, 0x66);
	ok &= round_expect("round after the other process unpinned", &m,
			   m.pin_off, m.pin_size);
	ok &= round_expect("next round", &m, 0, 0);
	ksft_test_result(ok, "%s: left writable, device write reported\n",
			 "shmem pinned by another process");
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	unmap_mem(&m);
}

/*
 * A pinned shmem page that this process unmapped (MADV_DONTNEED): it has
 * no PTE, and protecting its range would install a uffd-wp marker in front
 * of a page the device still writes. The marker is not installed: the
 * page is counted, reported written, and its device write is seen.
 */
static void test_shmem_not_present(void)
{
	bool ok = true;
	struct mem m;
	const char *skip = map_mem(&m, SHMEM, UFFD_FEATURE_WP_ASYNC |
				   UFFD_FEATURE_WP_PINNED);
	int ret;

	if (skip) {
		ksft_test_result_skip("pinned shmem not mapped: %s\n", skip);
		return;
	}
	ret = pin(m.addr + m.pin_off, m.pin_size, true);
	if (ret) {
		ksft_test_result_fail("pinned shmem not mapped: pin: %s\n",
				      strerror(-ret));
		unmap_mem(&m);
		return;
	}
	if (madvise(m.addr, m.size, MADV_DONTNEED)) {
		ksft_print_msg("MADV_DONTNEED: %s\n", strerror(errno));
		ok = false;
	}
	ok &= wp_expect("WP over unmapped pinned pages", m.uffd, m.addr,
			m.size, m.pin_size / pagesize);
	ok &= written_expect("unmapped pinned pages not protected", &m,
			     m.pin_off, m.pin_size);
	ret = dma_write(m.pin_size, 0x77);
	unpin();
	ok &= !ret;
	ok &= round_expect("round after unpin", &m, m.pin_off, m.pin_size);
	ok &= dma_landed(&m, 0x77);
	ksft_test_result(ok, "pinned shmem not mapped: no marker, device write reported\n");
	unmap_mem(&m);
}

/*
 * Two VMAs: [A: unpinned][B: pinned], both registered: one ioctl protects
 * A, leaves B's pinned pages writable and counts them. Then B is
 * unregistered and A pinned: [A pinned][B unregistered] gives ENOENT as in
 * stock 6.12, and A's pinned pages are still left writable.
 */
static void test_multi_vma(void)
{
	size_t half = NR_SMALL * pagesize, i;
	struct mem m = { .type = ANON, .uffd = -1 };
	bool ok = true;
	char *b;
	int ret;

	m.size = 2 * half;
	m.map_size = m.size;
	m.map = mmap(NULL, m.size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m.map == MAP_FAILED) {
		ksft_test_result_skip("two VMAs: mmap failed\n");
		return;
	}
	m.addr = m.map;
	b = m.addr + half;
	/* Different flags: two VMAs. */
	madvise(m.addr, half, MADV_NOHUGEPAGE);
	madvise(b, half, MADV_HUGEPAGE);
	m.uffd = uffd_open(UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_PINNED,
			   NULL);
	if (m.uffd < 0 || uffd_register(m.uffd, m.addr, m.size, false, true,
					false)) {
		ksft_test_result_skip("two VMAs: uffd-wp registration failed\n");
		unmap_mem(&m);
		return;
	}
	for (i = 0; i < m.size; i += pagesize)
		m.addr[i] = 1;
	m.pin_off = half + 4 * pagesize;
	m.pin_size = 4 * pagesize;
	ret = pin(m.addr + m.pin_off, m.pin_size, true);
	if (ret) {
		ksft_test_result_fail("two VMAs: pin: %s\n", strerror(-ret));
		unmap_mem(&m);
		return;
	}
	ok &= wp_expect("[A][B pinned]", m.uffd, m.addr, m.size, 4);
	ok &= written_expect("only B's pinned pages writable", &m, m.pin_off,
			     m.pin_size);
	unpin();
	/* [A pinned][B unregistered]: ENOENT, A's pins still respected. */
	if (uffd_wp(m.uffd, m.addr, m.size, false) ||
	    uffd_unregister(m.uffd, b, half)) {
		ksft_print_msg("un-WP or unregister failed\n");
		ok = false;
	}
	m.pin_off = 4 * pagesize;
	ret = pin(m.addr + m.pin_off, m.pin_size, true);
	if (ret) {
		ksft_print_msg("pin in A: %s\n", strerror(-ret));
		ok = false;
	} else {
		ok &= wp_expect("[A pinned][B unregistered]", m.uffd, m.addr,
				m.size, -ENOENT);
		m.size = half;	/* scan A only */
		ok &= written_expect("A: only the pinned pages writable", &m,
				     m.pin_off, m.pin_size);
		m.size = 2 * half;
		unpin();
	}
	ksft_test_result(ok, "%s: pinned pages of each left writable, ENOENT kept\n",
			 "two VMAs");
	unmap_mem(&m);
}

/*
 * A pin outlives mprotect(PROT_READ): the device still writes the page,
 * and it is still left writable by a round and reported after the unpin.
 */
static void test_mprotect_after_pin(void)
{
	bool ok = true;
	struct mem m;
	const char *skip = map_mem(&m, ANON, UFFD_FEATURE_WP_ASYNC |
				   UFFD_FEATURE_WP_PINNED);
	int ret;

	if (skip) {
		ksft_test_result_skip("mprotect after pin: %s\n", skip);
		return;
	}
	ret = pin(m.addr + m.pin_off, m.pin_size, true);
	if (ret) {
		ksft_test_result_fail("mprotect after pin: pin: %s\n",
				      strerror(-ret));
		unmap_mem(&m);
		return;
	}
	if (mprotect(m.addr, m.size, PROT_READ)) {
		ksft_print_msg("mprotect: %s\n", strerror(errno));
		ok = false;
	}
	ok &= round_expect("round N (read-only VMA)", &m, 0, m.size);
	ok &= written_expect("pinned pages not protected", &m, m.pin_off,
			     m.pin_size);
	ok &= dma_write_landed(&m, 0x28);
	unpin();
	ok &= round_expect("round after unpin", &m, m.pin_off, m.pin_size);
	ok &= round_expect("next round", &m, 0, 0);
	ksft_test_result(ok, "mprotect(PROT_READ) after pin: device write still reported\n");
	unmap_mem(&m);
}

/*
 * UFFDIO_CONTINUE with MODE_WP maps page cache pages write-protected. A
 * shmem page pinned through another mapping of the same file is mapped
 * writable instead; the others are protected.
 */
static void test_continue_wp(void)
{
	size_t size = NR_SMALL * pagesize, off = 4 * pagesize;
	size_t len = 8 * pagesize;
	struct uffdio_continue cont = { 0 };
	struct mem b = { .type = SHMEM, .uffd = -1 };
	char *a = MAP_FAILED;
	bool ok = true;
	int fd, ret;

	fd = memfd_create("pin_wp", 0);
	if (fd < 0 || ftruncate(fd, size)) {
		ksft_test_result_skip("CONTINUE|WP over a page pinned elsewhere: memfd\n");
		goto out;
	}
	a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	b.map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED || b.map == MAP_FAILED) {
		b.map = NULL;
		ksft_test_result_skip("CONTINUE|WP over a page pinned elsewhere: mmap\n");
		goto out;
	}
	b.addr = b.map;
	b.size = size;
	b.map_size = size;
	memset(a, 0x31, size);
	b.uffd = uffd_open(UFFD_FEATURE_MINOR_SHMEM |
			   UFFD_FEATURE_WP_HUGETLBFS_SHMEM |
			   UFFD_FEATURE_WP_PINNED, NULL);
	if (b.uffd < 0 || uffd_register(b.uffd, b.addr, size, false, true,
					true)) {
		ksft_test_result_skip("CONTINUE|WP over a page pinned elsewhere: %s\n",
				      "MINOR|WP registration on shmem failed");
		goto out;
	}
	ret = pin(a + off, len, true);
	if (ret) {
		ksft_test_result_fail("CONTINUE|WP over a page pinned elsewhere: pin: %s\n",
				      strerror(-ret));
		goto out;
	}
	cont.range.start = (uintptr_t)b.addr;
	cont.range.len = size;
	cont.mode = UFFDIO_CONTINUE_MODE_WP;
	if (ioctl(b.uffd, UFFDIO_CONTINUE, &cont) ||
	    cont.mapped != (int64_t)size) {
		ksft_print_msg("UFFDIO_CONTINUE: %s, mapped %lld\n",
			       strerror(errno), (long long)cont.mapped);
		ok = false;
	}
	ok &= written_expect("only the pages pinned through the other mapping are writable",
			     &b, off, len);
	ret = dma_write(len, 0x32);
	unpin();
	ok &= !ret && b.addr[off] == 0x32 && b.addr[off + len - 1] == 0x32;
	ksft_test_result(ok, "CONTINUE|WP over a page pinned elsewhere: %s\n",
			 "mapped writable, the rest protected");
out:
	unmap_mem(&b);
	if (a != MAP_FAILED)
		munmap(a, size);
	if (fd >= 0)
		close(fd);
}

struct fork_event {
	int uffd;
	int child_uffd;
};

/* The monitor's side of fork(): read UFFD_EVENT_FORK, or fork() hangs. */
static void *read_fork_event(void *arg)
{
	struct fork_event *ev = arg;
	struct pollfd pfd = { .fd = ev->uffd, .events = POLLIN };
	struct uffd_msg msg;

	ev->child_uffd = -1;
	while (poll(&pfd, 1, 10000) == 1) {
		if (read(ev->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event == UFFD_EVENT_FORK) {
			ev->child_uffd = msg.arg.fork.ufd;
			break;
		}
	}
	return NULL;
}

/*
 * fork() with UFFD_FEATURE_EVENT_FORK: the child's context inherits the
 * feature. The parent's pinned pages are copied for the child, so the
 * parent's stay writable while the child's copies are protected; a page
 * the child pins itself stays writable in the child.
 */
static void test_fork(void)
{
	int to_child[2] = { -1, -1 }, to_parent[2] = { -1, -1 };
	struct fork_event ev = { .child_uffd = -1 };
	bool ok = true;
	pthread_t thr;
	struct mem m;
	const char *skip = map_mem(&m, ANON, UFFD_FEATURE_WP_ASYNC |
				   UFFD_FEATURE_WP_PINNED |
				   UFFD_FEATURE_EVENT_FORK);
	pid_t pid;
	int status, ret;

	if (skip) {
		ksft_test_result_skip("fork with UFFD_FEATURE_EVENT_FORK: %s\n",
				      skip);
		return;
	}
	ret = pin(m.addr + m.pin_off, m.pin_size, true);
	if (ret || pipe(to_child) || pipe(to_parent)) {
		ksft_test_result_fail("fork with UFFD_FEATURE_EVENT_FORK: pin or pipe\n");
		goto out;
	}
	ev.uffd = m.uffd;
	if (pthread_create(&thr, NULL, read_fork_event, &ev)) {
		unpin();
		ksft_test_result_fail("fork with UFFD_FEATURE_EVENT_FORK: thread\n");
		goto out;
	}
	pid = fork();
	if (!pid) {
		char c;

		wait_byte(to_child[0], 'p');
		/* The gup_test pin set is global: the parent dropped its. */
		c = pin(m.addr, 2 * pagesize, true) ? 'e' : 'd';
		if (write(to_parent[1], &c, 1) != 1)
			_exit(1);
		wait_byte(to_child[0], 'x');
		unpin();
		_exit(0);
	}
	pthread_join(thr, NULL);
	if (ev.child_uffd < 0) {
		ksft_print_msg("no UFFD_EVENT_FORK\n");
		ok = false;
	}
	ok &= wp_expect("parent: WP over its pins", m.uffd, m.addr, m.size,
			m.pin_size / pagesize);
	ok &= written_expect("parent: pinned pages writable", &m, m.pin_off,
			     m.pin_size);
	unpin();
	if (ev.child_uffd >= 0)
		ok &= wp_expect("child: WP over copies of the parent's pins",
				ev.child_uffd, m.addr, m.size, 0);
	if (write(to_child[1], "p", 1) != 1)
		ok = false;
	wait_byte(to_parent[0], 'd');
	if (ev.child_uffd >= 0)
		ok &= wp_expect("child: WP over its own pins (feature inherited)",
				ev.child_uffd, m.addr, m.size, 2);
	if (write(to_child[1], "x", 1) != 1)
		ok = false;
	waitpid(pid, &status, 0);
	ok &= WIFEXITED(status) && !WEXITSTATUS(status);
	ksft_test_result(ok, "fork with UFFD_FEATURE_EVENT_FORK: %s\n",
			 "feature inherited, copies protected, pins respected");
out:
	if (ev.child_uffd >= 0)
		close(ev.child_uffd);
	if (to_child[0] >= 0) {
		close(to_child[0]);
		close(to_child[1]);
	}
	if (to_parent[0] >= 0) {
		close(to_parent[0]);
		close(to_parent[1]);
	}
	unmap_mem(&m);
}

/* clear_refs 4 must not write-protect a pinned THP or clear its soft-dirty. */
static void test_soft_dirty(enum mem_type type)
{
	const char *name = mem_names[type];
	struct mem m;
	const char *skip;
	bool ok = true;
	size_t i;
	int ret;

	if (!softdirty_supported()) {
		ksft_test_result_skip("soft-dirty %s: not supported\n", name);
		return;
	}
	skip = map_mem(&m, type, 0);
	if (skip) {
		ksft_test_result_skip("soft-dirty %s: %s\n", name, skip);
		return;
	}
	ret = pin(m.addr + m.pin_off, m.pin_size, true);
	if (ret) {
		ksft_test_result_fail("soft-dirty %s: pin: %s\n", name,
				      strerror(-ret));
		unmap_mem(&m);
		return;
	}
	clear_softdirty();
	for (i = 0; i < m.size; i += pagesize) {
		bool pinned = i >= m.pin_off && i < m.pin_off + m.pin_size;
		bool sd = pagemap_is_softdirty(pagemap_fd, m.addr + i);

		if (sd != pinned) {
			ksft_print_msg("page +0x%zx (%spinned): soft-dirty %d after clear_refs\n",
				       i, pinned ? "" : "not ", sd);
			ok = false;
			break;
		}
	}
	/* Still one PMD mapping, still the page the device sees. */
	if (type == THP && !check_huge_anon(m.addr, 1, thpsize)) {
		ksft_print_msg("THP no longer PMD-mapped\n");
		ok = false;
	}
	m.addr[m.pin_off] = 0x44;
	ret = dma_write(m.pin_size, 0x55);
	if (ret || m.addr[m.pin_off] != 0x55) {
		ksft_print_msg("CPU and device no longer share the page\n");
		ok = false;
	}
	unpin();
	clear_softdirty();
	if (pagemap_is_softdirty(pagemap_fd, m.addr + m.pin_off)) {
		ksft_print_msg("still soft-dirty after unpin and clear_refs\n");
		ok = false;
	}
	ksft_test_result(ok, "soft-dirty %s: clear_refs skips the pinned pages\n",
			 name);
	unmap_mem(&m);
}

static bool expect_errno(const char *what, long ret, int err)
{
	if (ret >= 0 || errno != err) {
		ksft_print_msg("%s: returned %ld (%s), expected %s\n", what,
			       ret, ret < 0 ? strerror(errno) : "success",
			       strerror(err));
		return false;
	}
	return true;
}

static void test_bad_input(void)
{
	const uint64_t cats = PAGE_IS_WPALLOWED | PAGE_IS_WRITTEN |
			      PAGE_IS_FILE | PAGE_IS_PRESENT |
			      PAGE_IS_SWAPPED | PAGE_IS_PFNZERO |
			      PAGE_IS_HUGE | PAGE_IS_SOFT_DIRTY |
			      PAGE_IS_PINNED;
	const uint64_t flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC;
	struct mem m;
	const char *skip = map_mem(&m, ANON, UFFD_FEATURE_WP_ASYNC |
				   UFFD_FEATURE_WP_PINNED);
	uint64_t supported = 0, unknown;
	struct uffdio_writeprotect wp;
	bool ok = true;
	int fd, bit;

	if (skip) {
		ksft_test_result_skip("bad input: %s\n", skip);
		return;
	}
	/* Categories and flags the header does not name, in each mask. */
	for (bit = 0; bit < 64; bit++) {
		uint64_t c = 1ULL << bit;

		if (c & cats)
			continue;
		ok &= expect_errno("category bit", pagemap_scan(m.addr, m.size,
				   0, 0, c, 0, PAGE_IS_PRESENT), EINVAL);
		ok &= expect_errno("inverted bit", pagemap_scan(m.addr, m.size,
				   0, c, 0, 0, PAGE_IS_PRESENT), EINVAL);
		ok &= expect_errno("anyof bit", pagemap_scan(m.addr, m.size,
				   0, 0, 0, c, PAGE_IS_PRESENT), EINVAL);
		ok &= expect_errno("return bit", pagemap_scan(m.addr, m.size,
				   0, 0, 0, 0, c), EINVAL);
	}
	for (bit = 0; bit < 64; bit++)
		if (!((1ULL << bit) & flags))
			ok &= expect_errno("flag bit",
					   pagemap_scan(m.addr, m.size,
							1ULL << bit, 0, 0, 0,
							PAGE_IS_PRESENT),
					   EINVAL);
	/* PAGE_IS_PINNED is accepted in every mask. */
	if (pagemap_scan(m.addr, m.size, 0, PAGE_IS_PINNED, PAGE_IS_PINNED,
			 PAGE_IS_PINNED, PAGE_IS_PINNED) < 0) {
		ksft_print_msg("PAGE_IS_PINNED in every mask: %s\n",
			       strerror(errno));
		ok = false;
	}
	/* UFFDIO_API: advertised; a feature it does not advertise fails. */
	fd = uffd_open(0, &supported);
	if (fd < 0 || !(supported & UFFD_FEATURE_WP_PINNED)) {
		ksft_print_msg("UFFD_FEATURE_WP_PINNED not advertised\n");
		ok = false;
	}
	if (fd >= 0)
		close(fd);
	unknown = ~supported & ~(supported - 1);	/* lowest unset bit */
	fd = uffd_open(UFFD_FEATURE_WP_PINNED | unknown, NULL);
	if (fd != -EINVAL) {
		ksft_print_msg("UFFDIO_API with feature 0x%llx: %d\n",
			       (unsigned long long)unknown, fd);
		ok = false;
	}
	if (fd >= 0)
		close(fd);
	/* WP with DONTWAKE, and unknown modes, are refused as in stock. */
	wp = (struct uffdio_writeprotect){
		.range = { .start = (uintptr_t)m.addr, .len = m.size },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP |
			UFFDIO_WRITEPROTECT_MODE_DONTWAKE,
	};
	ok &= expect_errno("WP|DONTWAKE", ioctl(m.uffd, UFFDIO_WRITEPROTECT,
						&wp), EINVAL);
	wp.mode = 1ULL << 2;
	ok &= expect_errno("unknown WP mode", ioctl(m.uffd,
						    UFFDIO_WRITEPROTECT, &wp),
			   EINVAL);
	/* Unaligned, empty, and not registered ranges. */
	ok &= wp_expect("unaligned", m.uffd, m.addr + 1, pagesize, -EINVAL);
	ok &= wp_expect("empty", m.uffd, m.addr, 0, -EINVAL);
	ok &= wp_expect("not registered", m.uffd, m.addr + m.size, pagesize,
			-ENOENT);
	/* Writing through pins: none held, or read-only ones. */
	if (dma_write(pagesize, 1) != -EINVAL) {
		ksft_print_msg("PIN_LONGTERM_TEST_WRITE without pins did not fail with EINVAL\n");
		ok = false;
	}
	if (!pin(m.addr, pagesize, false)) {
		if (dma_write(pagesize, 1) != -EINVAL) {
			ksft_print_msg("write through a read-only pin did not fail\n");
			ok = false;
		}
		/* A read-only pin may be pinned all the same: writable. */
		ok &= wp_expect("WP over a read-only pin", m.uffd, m.addr,
				m.size, 1);
		unpin();
	} else {
		ksft_print_msg("read-only pin failed\n");
		ok = false;
	}
	ksft_test_result(ok, "%s: unknown categories, flags, features, modes; bad ranges\n",
			 "bad input");
	unmap_mem(&m);
}

/* ---- stress ------------------------------------------------------------ */

#define STRESS_PAGES	64

/*
 * Small-page anonymous memory of @size bytes, written, registered for
 * uffd-wp with @features on a new userfaultfd. Returns a skip reason.
 */
static const char *map_anon(struct mem *m, size_t size, uint64_t features)
{
	memset(m, 0, sizeof(*m));
	m->type = ANON;
	m->uffd = -1;
	m->size = size;
	m->map_size = size;
	m->map = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		return "mmap failed";
	}
	m->addr = m->map;
	madvise(m->addr, size, MADV_NOHUGEPAGE);
	m->uffd = uffd_open(features, NULL);
	if (m->uffd < 0) {
		m->uffd = -1;
		unmap_mem(m);
		return "userfaultfd or its features not available";
	}
	if (uffd_register(m->uffd, m->addr, size, false, true, false)) {
		unmap_mem(m);
		return "UFFDIO_REGISTER_MODE_WP failed";
	}
	memset(m->addr, 0x11, size);
	return NULL;
}

struct stress {
	struct mem m;
	atomic_bool stop;
	unsigned long dma_writes, cpu_writes, pin_errors;
	unsigned int seed;
};

/*
 * The device: pin a random run of pages (GUP-fast or not), write through
 * the pins, unpin. Each write is a new byte value, so a page whose last
 * device write was not copied differs from its copy.
 */
static void *stress_dma(void *arg)
{
	struct stress *st = arg;
	size_t npages = st->m.size / pagesize;
	unsigned int seed = st->seed;
	char *buf = malloc(8 * pagesize);
	unsigned char val = 0;

	while (buf && !atomic_load(&st->stop)) {
		size_t first = rand_r(&seed) % npages;
		size_t n = 1 + rand_r(&seed) % 8;
		struct pin_longterm_test args = { 0 };
		__u64 uaddr = (uintptr_t)buf;

		if (first + n > npages)
			n = npages - first;
		args.addr = (uintptr_t)st->m.addr + first * pagesize;
		args.size = n * pagesize;
		args.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE |
			     (rand_r(&seed) & 1 ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0);
		if (ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args)) {
			st->pin_errors++;
			continue;
		}
		memset(buf, ++val, n * pagesize);
		if (!ioctl(gup_fd, PIN_LONGTERM_TEST_WRITE, &uaddr))
			st->dma_writes++;
		if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP))
			st->pin_errors++;
	}
	free(buf);
	return NULL;
}

/* The CPU writes too: through the protection (WP_ASYNC resolves it). */
static void *stress_cpu(void *arg)
{
	struct stress *st = arg;
	size_t npages = st->m.size / pagesize;
	unsigned int seed = st->seed * 7 + 1;

	while (!atomic_load(&st->stop)) {
		size_t pg = rand_r(&seed) % npages;

		st->m.addr[pg * pagesize + rand_r(&seed) % pagesize] =
			(char)rand_r(&seed);
		st->cpu_writes++;
		usleep(100);
	}
	return NULL;
}

/*
 * A migration-style copier against a device and a CPU: rounds of
 * PAGEMAP_SCAN (WP_MATCHING, PAGE_IS_WRITTEN) copy every reported page
 * into a shadow copy, while one thread pins, writes through the pins and
 * unpins (GUP-fast and slow), and another writes with the CPU. After the
 * writers stop, a last round; then the copy must equal the memory: every
 * write, from the device or the CPU, was reported by some round. Pins
 * must be balanced. With @feature false (UFFD_FEATURE_WP_PINNED off, the
 * stock behaviour) the device's writes are expected to be lost: "-x" runs
 * that, to show that the check can fail.
 */
static bool stress(unsigned int secs, bool feature, unsigned int seed)
{
	uint64_t f = UFFD_FEATURE_WP_ASYNC |
		     (feature ? UFFD_FEATURE_WP_PINNED : 0);
	long acq0 = pin_vmstat("nr_foll_pin_acquired");
	long rel0 = pin_vmstat("nr_foll_pin_released");
	unsigned long rounds = 0, copied = 0, lost = 0;
	pthread_t dma, cpu;
	struct stress st = { .seed = seed };
	const char *skip;
	char *shadow;
	time_t end;
	size_t i;
	long n, r, acq, rel;

	skip = map_anon(&st.m, STRESS_PAGES * pagesize, f);
	if (skip) {
		ksft_print_msg("%s: %s\n", __func__, skip);
		return false;
	}
	shadow = malloc(st.m.size);
	if (!shadow) {
		unmap_mem(&st.m);
		return false;
	}
	/* The first round copies everything. */
	memcpy(shadow, st.m.addr, st.m.size);
	if (wp_round(&st.m) < 0) {
		ksft_print_msg("%s: first round: %s\n", __func__,
			       strerror(errno));
		free(shadow);
		unmap_mem(&st.m);
		return false;
	}
	if (pthread_create(&dma, NULL, stress_dma, &st) ||
	    pthread_create(&cpu, NULL, stress_cpu, &st))
		ksft_exit_fail_msg("pthread_create\n");
	end = time(NULL) + secs;
	for (;;) {
		bool last = false;

		if (time(NULL) >= end) {
			atomic_store(&st.stop, true);
			pthread_join(dma, NULL);
			pthread_join(cpu, NULL);
			last = true;
		}
		n = wp_round(&st.m);
		if (n < 0) {
			ksft_print_msg("%s: round: %s\n", __func__,
				       strerror(errno));
			break;
		}
		for (r = 0; r < n; r++) {
			size_t off = vec[r].start - (uintptr_t)st.m.addr;

			memcpy(shadow + off, st.m.addr + off,
			       vec[r].end - vec[r].start);
			copied += (vec[r].end - vec[r].start) / pagesize;
		}
		rounds++;
		if (last)
			break;
	}
	for (i = 0; i < st.m.size; i += pagesize)
		if (memcmp(shadow + i, st.m.addr + i, pagesize))
			lost++;
	acq = pin_vmstat("nr_foll_pin_acquired") - acq0;
	rel = pin_vmstat("nr_foll_pin_released") - rel0;
	ksft_print_msg("%s%s: %us, seed %u: %lu rounds, %lu pages copied\n",
		       __func__, feature ? "" : " (feature off)", secs, seed,
		       rounds, copied);
	ksft_print_msg("%s: %lu device writes, %lu CPU writes, %lu pin errors\n",
		       __func__, st.dma_writes, st.cpu_writes, st.pin_errors);
	ksft_print_msg("%s: %lu of %zu pages lost; foll_pin +%ld/-%ld\n",
		       __func__, lost, st.m.size / pagesize, acq, rel);
	free(shadow);
	unmap_mem(&st.m);
	return !lost && acq == rel && st.dma_writes && !st.pin_errors;
}

/* ---- benchmark --------------------------------------------------------- */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define BENCH_RUNS	15

struct bench_case {
	const char *name;
	uint64_t flags, mask, ret_mask;
};

static void bench_pair(char *mem, size_t size, const struct bench_case *a,
		       const struct bench_case *b)
{
	double ta[BENCH_RUNS], tb[BENCH_RUNS];
	int i, j;

	for (i = 0; i < BENCH_RUNS; i++) {
		for (j = 0; j < 2; j++) {
			const struct bench_case *c = (i + j) & 1 ? b : a;
			struct pm_scan_arg arg = {
				.size = sizeof(arg), .flags = c->flags,
				.start = (uintptr_t)mem,
				.end = (uintptr_t)mem + size,
				.vec = (uintptr_t)vec, .vec_len = VEC_LEN,
				.category_mask = c->mask,
				.return_mask = c->ret_mask,
			};
			double t0 = now_us();

			if (ioctl(pagemap_fd, PAGEMAP_SCAN, &arg) < 0)
				ksft_exit_fail_msg("PAGEMAP_SCAN: %s\n",
						   strerror(errno));
			(c == a ? ta : tb)[i] = now_us() - t0;
		}
	}
	qsort(ta, BENCH_RUNS, sizeof(double), cmp_double);
	qsort(tb, BENCH_RUNS, sizeof(double), cmp_double);
	/* Tab-separated for ci/bench-uffd.sh: names contain '|'. */
	printf("bench:\t%s\t%.0f\t%s\t%.0f\t%.3f\n",
	       a->name, ta[BENCH_RUNS / 2], b->name, tb[BENCH_RUNS / 2],
	       tb[BENCH_RUNS / 2] / ta[BENCH_RUNS / 2]);
}

static void bench_set(char *mem, size_t size)
{
	static const struct bench_case present = {
		"PRESENT, return PRESENT|WRITTEN", 0, PAGE_IS_PRESENT,
		PAGE_IS_PRESENT | PAGE_IS_WRITTEN };
	static const struct bench_case present_pinned = {
		"PRESENT, return PRESENT|WRITTEN|PINNED", 0, PAGE_IS_PRESENT,
		PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_PINNED };
	/* For scale: PAGE_IS_FILE also looks at every page. */
	static const struct bench_case present_file = {
		"PRESENT, return PRESENT|WRITTEN|FILE", 0, PAGE_IS_PRESENT,
		PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_FILE };

	bench_pair(mem, size, &present, &present_pinned);
	bench_pair(mem, size, &present, &present_file);
}

/*
 * Write-protecting rounds over @size bytes in which every page was written
 * (memset, not timed, before each round), on memory registered without and
 * with UFFD_FEATURE_WP_PINNED; and read-only rounds over the same memory.
 * Alternating, medians of BENCH_RUNS.
 */
static void bench_wp_rounds(size_t size)
{
	double t[2][2][BENCH_RUNS];
	struct mem m[2];
	int i, j, k;

	for (j = 0; j < 2; j++) {
		const char *skip = map_anon(&m[j], size, UFFD_FEATURE_WP_ASYNC |
					    (j ? UFFD_FEATURE_WP_PINNED : 0));

		if (skip)
			ksft_exit_fail_msg("bench: %s\n", skip);
	}
	for (i = 0; i < BENCH_RUNS; i++) {
		for (k = 0; k < 2; k++) {
			j = (i + k) & 1;
			memset(m[j].addr, i, size);
			t[0][j][i] = now_us();
			if (wp_round(&m[j]) < 0)
				ksft_exit_fail_msg("WP round: %s\n",
						   strerror(errno));
			t[0][j][i] = now_us() - t[0][j][i];
			t[1][j][i] = now_us();
			if (pagemap_scan(m[j].addr, size, 0, 0,
					 PAGE_IS_WRITTEN, 0,
					 PAGE_IS_WRITTEN) < 0)
				ksft_exit_fail_msg("scan: %s\n",
						   strerror(errno));
			t[1][j][i] = now_us() - t[1][j][i];
		}
	}
	for (k = 0; k < 2; k++) {
		for (j = 0; j < 2; j++)
			qsort(t[k][j], BENCH_RUNS, sizeof(double), cmp_double);
		printf("bench:\t%s\t%.0f\t%s\t%.0f\t%.3f\n",
		       k ? "read-only round" : "WP round, all pages written",
		       t[k][0][BENCH_RUNS / 2],
		       "same, UFFD_FEATURE_WP_PINNED",
		       t[k][1][BENCH_RUNS / 2],
		       t[k][1][BENCH_RUNS / 2] / t[k][0][BENCH_RUNS / 2]);
	}
	unmap_mem(&m[0]);
	unmap_mem(&m[1]);
}

/*
 * PAGEMAP_SCAN over @mib MiB of small-page memory after a WP_ASYNC round
 * (every PTE write-protected), first anonymous memory in an mm that never
 * pinned, then again after a pin elsewhere set MMF_HAS_PINNED, then shmem;
 * then write-protecting rounds with and without UFFD_FEATURE_WP_PINNED in
 * the mm with MMF_HAS_PINNED.
 */
static int scan_bench(size_t mib)
{
	size_t size = mib << 20;
	int t;

	for (t = 0; t < 2; t++) {
		int shared = t ? MAP_SHARED : MAP_PRIVATE;
		char *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 shared | MAP_ANONYMOUS, -1, 0);
		int uffd;

		if (mem == MAP_FAILED)
			ksft_exit_fail_msg("mmap %zu MiB failed\n", mib);
		madvise(mem, size, MADV_NOHUGEPAGE);
		uffd = uffd_open(UFFD_FEATURE_WP_ASYNC |
				 UFFD_FEATURE_WP_HUGETLBFS_SHMEM, NULL);
		if (uffd < 0 || uffd_register(uffd, mem, size, false, true,
					      false))
			ksft_exit_fail_msg("uffd-wp registration failed\n");
		memset(mem, 1, size);
		if (pagemap_scan(mem, size, PM_SCAN_WP_MATCHING |
				 PM_SCAN_CHECK_WPASYNC, 0, PAGE_IS_WRITTEN, 0,
				 PAGE_IS_WRITTEN) < 0)
			ksft_exit_fail_msg("WP round: %s\n", strerror(errno));
		if (!t) {
			printf("bench: %zu MiB anon, no pin ever taken by this mm\n",
			       mib);
			bench_set(mem, size);
			if (gup_fd >= 0 && !pin(mem + size - pagesize, pagesize,
						true)) {
				printf("bench: %zu MiB anon, MMF_HAS_PINNED (one page pinned)\n",
				       mib);
				bench_set(mem, size);
				unpin();
				munmap(mem, size);
				close(uffd);
				printf("bench: %zu MiB anon, %s\n", mib,
				       "MMF_HAS_PINNED, no page of it pinned");
				bench_wp_rounds(size);
				continue;
			}
		} else {
			printf("bench: %zu MiB shmem\n", mib);
			bench_set(mem, size);
		}
		close(uffd);
		munmap(mem, size);
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int secs = 60, seed = time(NULL);
	bool stress_only = false, feature = true;
	int t, opt;

	pagesize = getpagesize();
	thpsize = read_pmd_pagesize();
	hpagesize = default_huge_page_size();
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	gup_fd = open(GUP_TEST_FILE, O_RDWR);

	if (argc > 1 && !strcmp(argv[1], "-b")) {
		if (pagemap_fd < 0)
			ksft_exit_fail_msg("/proc/self/pagemap: %s\n",
					   strerror(errno));
		return scan_bench(argc > 2 ? strtoul(argv[2], NULL, 0) : 1024);
	}
	while ((opt = getopt(argc, argv, "t:s:Sx")) != -1) {
		switch (opt) {
		case 't':
			secs = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			stress_only = true;
			break;
		case 'x':
			stress_only = true;
			feature = false;
			break;
		default:
			ksft_exit_fail_msg("usage: %s [-t SECS] [-s SEED] [-S|-x] | -b [MiB]\n",
					   argv[0]);
		}
	}

	ksft_print_header();
	if (gup_fd < 0 || pagemap_fd < 0)
		ksft_exit_skip("needs %s and /proc/self/pagemap (root, CONFIG_GUP_TEST)\n",
			       GUP_TEST_FILE);
	if (stress_only) {
		ksft_set_plan(1);
		if (feature)
			ksft_test_result(stress(secs, true, seed),
					 "stress %us: no write lost, pins balanced\n",
					 secs);
		else	/* the checker must see the stock behaviour lose writes */
			ksft_test_result(!stress(secs, false, seed),
					 "stress %us without UFFD_FEATURE_WP_PINNED: device writes lost (stock)\n",
					 secs);
		ksft_finished();
	}
	ksft_set_plan(NR_TYPES * 6 + 12 + NR_HINT_CASES);
	for (t = 0; t < NR_TYPES; t++) {
		test_category(t);
		test_lost_write(t);
		test_uffd_wp(t);
	}
	test_partial_large(false);
	test_partial_large(true);
	test_shmem_other_mm();
	test_shmem_not_present();
	test_multi_vma();
	test_mprotect_after_pin();
	for (t = 0; t < NR_HINT_CASES; t++)
		test_pin_hint(t);
	test_continue_wp();
	test_fork();
	/*
	 * clear_refs skips pinned pages of COW mappings only, and does not
	 * handle hugetlb at all: anon pages (the PTE path) and THP.
	 */
	test_soft_dirty(ANON);
	test_soft_dirty(THP);
	test_bad_input();
	ksft_test_result(stress(secs, true, seed),
			 "stress %us (seed %u): no write lost, pins balanced\n",
			 secs, seed);
	ksft_finished();
}
