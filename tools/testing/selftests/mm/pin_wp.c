// SPDX-License-Identifier: GPL-2.0
/*
 * uffd-wp, PAGEMAP_SCAN and soft-dirty against DMA pins, on anon, shmem,
 * THP and hugetlb memory. gup_test's PIN_LONGTERM_TEST_START plays the
 * device that pins the memory and PIN_LONGTERM_TEST_WRITE the DMA write
 * through the pins, which never goes through the user page tables.
 *
 * - PAGE_IS_PINNED is exact before, during and after a pin, in plain,
 *   inverted and combined masks;
 * - a DMA write after a WP_ASYNC round is missed by PAGE_IS_WRITTEN as in
 *   stock 6.12, and reported with PM_SCAN_PINNED_WRITTEN;
 * - UFFDIO_WRITEPROTECT with UFFD_FEATURE_WP_PINNED fails with EBUSY on a
 *   pinned range and leaves it untouched; without the feature it does not;
 * - clearing soft-dirty leaves a pinned THP soft-dirty and writable;
 * - bad input fails with EINVAL.
 *
 * "pin_wp -b [MiB]" instead times PAGEMAP_SCAN over anonymous memory
 * (1 GiB by default) with and without PAGE_IS_PINNED and
 * PM_SCAN_PINNED_WRITTEN, and prints the ratios.
 */
#define _GNU_SOURCE
#include <errno.h>
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
#include <linux/fs.h>
#include <linux/userfaultfd.h>

#include "../../../../mm/gup_test.h"
#include "../kselftest.h"
#include "vm_util.h"

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

/*
 * WP_ASYNC round, then a DMA write through the pin: missed without
 * PM_SCAN_PINNED_WRITTEN (stock behaviour), reported with it.
 */
static void test_dma_write(enum mem_type type)
{
	const char *name = mem_names[type];
	uint64_t wp = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC;
	struct mem m;
	const char *skip = map_mem(&m, type, UFFD_FEATURE_WP_ASYNC);
	const char *t1 = "without PM_SCAN_PINNED_WRITTEN";
	const char *t2 = "with PM_SCAN_PINNED_WRITTEN";
	bool missed = true, seen = true;
	int ret;

	if (skip) {
		ksft_test_result_skip("DMA write after WP round %s, %s: %s\n",
				      name, t1, skip);
		ksft_test_result_skip("DMA write after WP round %s, %s: %s\n",
				      name, t2, skip);
		return;
	}
	ret = pin(m.addr + m.pin_off, m.pin_size, true);
	if (ret) {
		ksft_test_result_fail("DMA write after WP round %s, %s: pin: %s\n",
				      name, t1, strerror(-ret));
		ksft_test_result_fail("DMA write after WP round %s, %s: pin: %s\n",
				      name, t2, strerror(-ret));
		unmap_mem(&m);
		return;
	}
	/* Round 1: everything was written; collect and write-protect. */
	ret = pagemap_scan(m.addr, m.size, wp, 0, PAGE_IS_WRITTEN, 0,
			   PAGE_IS_WRITTEN);
	missed &= scan_expect("round 1 left", &m, 0, 0, PAGE_IS_WRITTEN, 0,
			      PAGE_IS_WRITTEN, 0, 0, 0);
	ret = dma_write(m.pin_size, 0x22);
	if (ret || !dma_landed(&m, 0x22)) {
		ksft_print_msg("DMA write: %s\n", ret ? strerror(-ret) :
			       "data not visible");
		missed = false;
		seen = false;
	}
	/* Stock semantics: the DMA write is invisible. */
	missed &= scan_expect("round 2 without flag", &m, wp, 0,
			      PAGE_IS_WRITTEN, 0, PAGE_IS_WRITTEN, 0, 0, 0);
	/* Opt-in: the pinned pages are written, here and on every round. */
	seen &= scan_expect("round 3 with flag", &m,
			    wp | PM_SCAN_PINNED_WRITTEN, 0, PAGE_IS_WRITTEN, 0,
			    PAGE_IS_WRITTEN, m.pin_off, m.pin_size,
			    PAGE_IS_WRITTEN);
	seen &= scan_expect("round 4 with flag", &m, PM_SCAN_PINNED_WRITTEN,
			    0, PAGE_IS_WRITTEN, 0,
			    PAGE_IS_WRITTEN | PAGE_IS_PINNED, m.pin_off,
			    m.pin_size, PAGE_IS_WRITTEN | PAGE_IS_PINNED);
	/* The generic path (more than PAGE_IS_WRITTEN asked) agrees. */
	seen &= scan_expect("round 4, generic path", &m,
			    PM_SCAN_PINNED_WRITTEN, 0,
			    PAGE_IS_WRITTEN | PAGE_IS_PRESENT, 0,
			    PAGE_IS_WRITTEN, m.pin_off, m.pin_size,
			    PAGE_IS_WRITTEN);
	/*
	 * A CPU write is reported as before. (WP_ASYNC resolves a fault on
	 * a THP by splitting it: only hugetlb reports the whole huge page.)
	 */
	m.addr[0] = 0x33;
	missed &= scan_expect("CPU write", &m, 0, 0, PAGE_IS_WRITTEN, 0,
			      PAGE_IS_WRITTEN, 0,
			      type == HUGETLB ? m.size : pagesize,
			      PAGE_IS_WRITTEN);
	unpin();
	pagemap_scan(m.addr, m.size, wp, 0, PAGE_IS_WRITTEN, 0,
		     PAGE_IS_WRITTEN);
	seen &= scan_expect("after unpin, with flag", &m,
			    PM_SCAN_PINNED_WRITTEN, 0, PAGE_IS_WRITTEN, 0,
			    PAGE_IS_WRITTEN, 0, 0, 0);
	ksft_test_result(missed, "DMA write after WP round %s, %s: not reported (stock)\n",
			 name, t1);
	ksft_test_result(seen, "DMA write after WP round %s, %s: reported while pinned\n",
			 name, t2);
	unmap_mem(&m);
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

/* UFFDIO_WRITEPROTECT over pinned pages, with and without the feature. */
static void test_uffd_wp(enum mem_type type)
{
	const char *name = mem_names[type];
	struct mem m;
	const char *skip = map_mem(&m, type, UFFD_FEATURE_WP_PINNED);
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
	ret = uffd_wp(m.uffd, m.addr, m.size, true);
	if (ret != -EBUSY) {
		ksft_print_msg("WP of the pinned range: %s, expected EBUSY\n",
			       ret ? strerror(-ret) : "success");
		ok = false;
	}
	ok &= range_untouched(&m);
	if (m.pin_size != m.size) {
		/* The unpinned head can be protected; then unprotected. */
		ret = uffd_wp(m.uffd, m.addr, m.pin_off, true);
		if (ret) {
			ksft_print_msg("WP of the unpinned head: %s\n",
				       strerror(-ret));
			ok = false;
		}
		ok &= range_protected(&m, 0, m.pin_off);
		ret = uffd_wp(m.uffd, m.addr, m.size, false);
		if (ret) {
			ksft_print_msg("un-WP over the pinned range: %s\n",
				       strerror(-ret));
			ok = false;
		}
		ok &= range_untouched(&m);
	}
	unpin();
	ret = uffd_wp(m.uffd, m.addr, m.size, true);
	if (ret) {
		ksft_print_msg("WP after unpin: %s\n", strerror(-ret));
		ok = false;
	}
	ok &= range_protected(&m, 0, m.size);
	ksft_test_result(ok, "UFFD_FEATURE_WP_PINNED %s: %s\n", name,
			 "EBUSY on a pinned range, range untouched; works after unpin");
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
		ret = uffd_wp(m.uffd, m.addr, m.size, true);
		if (ret)
			ksft_print_msg("WP without the feature: %s\n",
				       strerror(-ret));
		stock = !ret && range_protected(&m, 0, m.size);
		unpin();
	} else {
		ksft_print_msg("pin: %s\n", strerror(-ret));
		stock = false;
	}
	ksft_test_result(stock, "UFFDIO_WRITEPROTECT %s without the feature: %s\n",
			 name, "pinned range protected (stock)");
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
	struct mem m;
	const char *skip = map_mem(&m, ANON, 0);
	uint64_t supported = 0;
	bool ok = true;
	int fd, bit;

	if (skip) {
		ksft_test_result_skip("bad input: %s\n", skip);
		return;
	}
	/* Unknown categories, in each mask, and unknown flags. */
	for (bit = 8; bit < 64; bit++) {
		uint64_t c = 1ULL << bit;

		if (c == PAGE_IS_PINNED)
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
	for (bit = 3; bit < 64; bit++)
		ok &= expect_errno("flag bit", pagemap_scan(m.addr, m.size,
				   1ULL << bit, 0, 0, 0, PAGE_IS_PRESENT),
				   EINVAL);
	/* The new ones are accepted everywhere. */
	if (pagemap_scan(m.addr, m.size, PM_SCAN_PINNED_WRITTEN,
			 PAGE_IS_PINNED, PAGE_IS_PINNED, PAGE_IS_PINNED,
			 PAGE_IS_PINNED) < 0) {
		ksft_print_msg("PAGE_IS_PINNED/PM_SCAN_PINNED_WRITTEN: %s\n",
			       strerror(errno));
		ok = false;
	}
	/* UFFDIO_API: advertised; unknown bits next to it are refused. */
	fd = uffd_open(0, &supported);
	if (fd < 0 || !(supported & UFFD_FEATURE_WP_PINNED)) {
		ksft_print_msg("UFFD_FEATURE_WP_PINNED not advertised\n");
		ok = false;
	}
	if (fd >= 0)
		close(fd);
	fd = uffd_open(UFFD_FEATURE_WP_PINNED | (UFFD_FEATURE_WP_PINNED << 1),
		       NULL);
	if (fd != -EINVAL) {
		ksft_print_msg("UFFDIO_API with an unknown feature: %d\n", fd);
		ok = false;
	}
	if (fd >= 0)
		close(fd);
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
		unpin();
	} else {
		ksft_print_msg("read-only pin failed\n");
		ok = false;
	}
	ksft_test_result(ok, "bad input: unknown categories, flags and features give EINVAL\n");
	unmap_mem(&m);
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
	static const struct bench_case written = {
		"WRITTEN (fast path)", 0, PAGE_IS_WRITTEN, PAGE_IS_WRITTEN };
	static const struct bench_case written_flag = {
		"WRITTEN + PM_SCAN_PINNED_WRITTEN", PM_SCAN_PINNED_WRITTEN,
		PAGE_IS_WRITTEN, PAGE_IS_WRITTEN };
	static const struct bench_case present = {
		"PRESENT, return PRESENT|WRITTEN", 0, PAGE_IS_PRESENT,
		PAGE_IS_PRESENT | PAGE_IS_WRITTEN };
	static const struct bench_case present_pinned = {
		"PRESENT, return PRESENT|WRITTEN|PINNED", 0, PAGE_IS_PRESENT,
		PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_PINNED };
	static const struct bench_case present_both = {
		"PRESENT, return PRESENT|WRITTEN|PINNED + PM_SCAN_PINNED_WRITTEN",
		PM_SCAN_PINNED_WRITTEN, PAGE_IS_PRESENT, PAGE_IS_PRESENT |
		PAGE_IS_WRITTEN | PAGE_IS_PINNED };
	/* For scale: PAGE_IS_FILE also looks at every page. */
	static const struct bench_case present_file = {
		"PRESENT, return PRESENT|WRITTEN|FILE", 0, PAGE_IS_PRESENT,
		PAGE_IS_PRESENT | PAGE_IS_WRITTEN | PAGE_IS_FILE };

	bench_pair(mem, size, &written, &written_flag);
	bench_pair(mem, size, &present, &present_pinned);
	bench_pair(mem, size, &present, &present_both);
	bench_pair(mem, size, &present, &present_file);
}

/*
 * PAGEMAP_SCAN over @mib MiB of small-page memory after a WP_ASYNC round
 * (every PTE write-protected: the flag then looks at every page), first
 * anonymous memory in an mm that never pinned, then again after a pin
 * elsewhere set MMF_HAS_PINNED, then shmem.
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
	int t;

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
	if (argc > 1)
		ksft_exit_fail_msg("usage: %s [-b [MiB]]\n", argv[0]);

	ksft_print_header();
	if (gup_fd < 0 || pagemap_fd < 0)
		ksft_exit_skip("needs %s and /proc/self/pagemap (root, CONFIG_GUP_TEST)\n",
			       GUP_TEST_FILE);
	ksft_set_plan(NR_TYPES * 5 + 2 + 1);
	for (t = 0; t < NR_TYPES; t++) {
		test_category(t);
		test_dma_write(t);
		test_uffd_wp(t);
	}
	/*
	 * clear_refs skips pinned pages of COW mappings only, and does not
	 * handle hugetlb at all: anon pages (the PTE path) and THP.
	 */
	test_soft_dirty(ANON);
	test_soft_dirty(THP);
	test_bad_input();
	ksft_finished();
}
