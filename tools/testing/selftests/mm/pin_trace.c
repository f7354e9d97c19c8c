// SPDX-License-Identifier: GPL-2.0
/*
 * The page_pin and page_unpin tracepoints (include/trace/events/page_pin.h):
 * pins taken through gup_test (slow and fast, small pages and a THP) and
 * through udmabuf (memfd_pin_folios() on a hugetlb folio) are each traced
 * once, with the pfns that pagemap reports, the right nr, order and flags,
 * and their releases match them. A THP mapped by PTEs is pinned by the
 * slow path in one step, not page by page. Nothing is traced while the
 * events are disabled. Needs root, tracefs and CONFIG_GUP_TEST.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <linux/udmabuf.h>

#include "../../../../mm/gup_test.h"
#include "../kselftest.h"
#include "vm_util.h"

#define TRACEFS		"/sys/kernel/tracing"
#define GUP_TEST_FILE	"/sys/kernel/debug/gup_test"
#define MAX_EV		4096
#define NR_SMALL	16

struct ev {
	bool unpin;
	unsigned long pfn;
	unsigned long nr;
	unsigned int order;
	char how[64];
};

static struct ev evs[MAX_EV];
static int nr_evs;
static size_t pagesize, thpsize;
static int gup_fd = -1;
static int pagemap_fd = -1;

static int write_file(const char *path, const char *buf)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, buf, strlen(buf));
	close(fd);
	return ret < 0 ? -errno : 0;
}

/* Clear the buffer, trace only this process, and switch the events. */
static int trace_begin(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_file(TRACEFS "/events/enable", "0") ||
	    write_file(TRACEFS "/trace", "") ||
	    write_file(TRACEFS "/set_event_pid", pid) ||
	    write_file(TRACEFS "/events/page_pin/enable", "1"))
		return -1;
	return 0;
}

/* Stop tracing and parse this process's events into evs[]. */
static int trace_end(void)
{
	char line[512];
	FILE *f;

	if (write_file(TRACEFS "/events/page_pin/enable", "0"))
		return -1;
	f = fopen(TRACEFS "/trace", "r");
	if (!f)
		return -1;
	nr_evs = 0;
	while (fgets(line, sizeof(line), f)) {
		struct ev e = { 0 };
		char *p;

		if (line[0] == '#')
			continue;
		p = strstr(line, " page_pin: ");
		if (!p) {
			p = strstr(line, " page_unpin: ");
			e.unpin = true;
		}
		if (!p)
			continue;
		p = strchr(p + 1, ' ');
		if (sscanf(p, " pfn=%lx nr=%lu order=%u how=%63s",
			   &e.pfn, &e.nr, &e.order, e.how) != 4) {
			ksft_print_msg("unparsable event: %s", line);
			fclose(f);
			return -1;
		}
		if (nr_evs == MAX_EV) {
			ksft_print_msg("more than %d events\n", MAX_EV);
			fclose(f);
			return -1;
		}
		evs[nr_evs++] = e;
	}
	fclose(f);
	return 0;
}

static bool how_has(const struct ev *e, const char *flag)
{
	char buf[64], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", e->how);
	for (tok = strtok_r(buf, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save))
		if (!strcmp(tok, flag))
			return true;
	return false;
}

/*
 * Pins (or unpins) traced on @pfn: an event on a run of pages counts one
 * for each page of the run, a folio event (no page named) @nr for the
 * folio's head page.
 */
static unsigned long pins_on(unsigned long pfn, bool unpin)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < nr_evs; i++) {
		const struct ev *e = &evs[i];

		if (e->unpin != unpin)
			continue;
		if (how_has(e, "folio"))
			sum += e->pfn == pfn ? e->nr : 0;
		else if (e->pfn <= pfn && pfn < e->pfn + e->nr)
			sum++;
	}
	return sum;
}

static unsigned long total(bool unpin)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < nr_evs; i++)
		if (evs[i].unpin == unpin)
			sum += evs[i].nr;
	return sum;
}

/* Were @n pages' worth of pins and of unpins traced? Says so if not. */
static bool totals_are(unsigned long n)
{
	if (total(false) == n && total(true) == n)
		return true;
	ksft_print_msg("%lu pins, %lu unpins traced, want %lu each\n",
		       total(false), total(true), n);
	return false;
}

static void dump_events(void)
{
	int i;

	for (i = 0; i < nr_evs && i < 8; i++)
		ksft_print_msg("  %s pfn=0x%lx nr=%lu order=%u how=%s\n",
			       evs[i].unpin ? "unpin" : "pin", evs[i].pfn,
			       evs[i].nr, evs[i].order, evs[i].how);
}

static int pin(char *addr, size_t size, bool fast)
{
	struct pin_longterm_test args = {
		.addr = (uintptr_t)addr,
		.size = size,
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE |
			 (fast ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0),
	};

	return ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args);
}

/* Small pages, slow or fast path: one event per page, pfns as in pagemap. */
static void test_small(bool fast)
{
	const char *name = fast ? "fast" : "slow";
	size_t size = NR_SMALL * pagesize;
	unsigned long pfns[NR_SMALL];
	bool ok = true;
	char *addr;
	int i;

	addr = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (addr == MAP_FAILED) {
		ksft_test_result_fail("small pages, %s: mmap: %s\n", name,
				      strerror(errno));
		return;
	}
	madvise(addr, size, MADV_NOHUGEPAGE);
	memset(addr, 1, size);
	for (i = 0; i < NR_SMALL; i++)
		pfns[i] = pagemap_get_pfn(pagemap_fd, addr + i * pagesize);

	if (trace_begin()) {
		ksft_test_result_fail("small pages, %s: cannot enable the events\n",
				      name);
		goto out;
	}
	if (pin(addr, size, fast)) {
		ksft_print_msg("PIN_LONGTERM_TEST_START: %s\n", strerror(errno));
		ok = false;
	}
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP))
		ok = false;
	if (trace_end()) {
		ksft_test_result_fail("small pages, %s: cannot read the trace\n",
				      name);
		goto out;
	}
	for (i = 0; ok && i < nr_evs; i++) {
		bool want_fast = fast && !evs[i].unpin;

		if (evs[i].order != 0 || evs[i].nr != 1 ||
		    how_has(&evs[i], "folio") ||
		    how_has(&evs[i], "fast") != want_fast ||
		    how_has(&evs[i], "longterm") != !evs[i].unpin) {
			ksft_print_msg("unexpected event %d\n", i);
			ok = false;
		}
	}
	for (i = 0; ok && i < NR_SMALL; i++) {
		if (pins_on(pfns[i], false) != 1 || pins_on(pfns[i], true) != 1) {
			ksft_print_msg("page %d (pfn 0x%lx): %lu pins, %lu unpins traced\n",
				       i, pfns[i], pins_on(pfns[i], false),
				       pins_on(pfns[i], true));
			ok = false;
		}
	}
	if (ok)
		ok = totals_are(NR_SMALL);
	if (!ok)
		dump_events();
	ksft_test_result(ok, "small pages, %s: one page_pin and one page_unpin per page\n",
			 name);
out:
	munmap(addr, size);
}

/*
 * A PMD-mapped THP pinned by GUP-fast: one event of nr=512, order 9, on the
 * head page (one update of _pincount), and the release balances it.
 */
static void test_thp_fast(void)
{
	char *map, *addr;
	unsigned long pfn;
	bool ok = true;

	map = mmap(NULL, 2 * thpsize, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		ksft_test_result_fail("THP, fast: mmap: %s\n", strerror(errno));
		return;
	}
	addr = (char *)(((uintptr_t)map + thpsize - 1) & ~(thpsize - 1));
	madvise(addr, thpsize, MADV_HUGEPAGE);
	memset(addr, 1, thpsize);
	if (!check_huge_anon(addr, 1, thpsize)) {
		ksft_test_result_skip("THP, fast: no THP allocated\n");
		goto out;
	}
	pfn = pagemap_get_pfn(pagemap_fd, addr);
	if (trace_begin()) {
		ksft_test_result_fail("THP, fast: cannot enable the events\n");
		goto out;
	}
	if (pin(addr, thpsize, true)) {
		ksft_print_msg("PIN_LONGTERM_TEST_START: %s\n", strerror(errno));
		ok = false;
	}
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP))
		ok = false;
	if (trace_end()) {
		ksft_test_result_fail("THP, fast: cannot read the trace\n");
		goto out;
	}
	if (ok && (nr_evs < 2 || evs[0].unpin || evs[0].pfn != pfn ||
		   evs[0].nr != thpsize / pagesize || evs[0].order != 9 ||
		   !how_has(&evs[0], "fast") || !how_has(&evs[0], "longterm"))) {
		ksft_print_msg("want one pin event: pfn=0x%lx nr=%zu order=9 how=longterm|fast\n",
			       pfn, thpsize / pagesize);
		ok = false;
	}
	if (ok)
		ok = totals_are(thpsize / pagesize);
	if (!ok)
		dump_events();
	ksft_test_result(ok, "THP, fast: one page_pin of the whole PMD leaf, balanced\n");
out:
	munmap(map, 2 * thpsize);
}

#define SHMEM_ENABLED	"/sys/kernel/mm/transparent_hugepage/shmem_enabled"

/* The bracketed word of a sysfs choice file, in @buf. */
static int read_choice(const char *path, char *buf, size_t len)
{
	char line[256], *b, *e;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	b = fgets(line, sizeof(line), f);
	fclose(f);
	if (!b)
		return -1;
	b = strchr(line, '[');
	e = b ? strchr(b, ']') : NULL;
	if (!e)
		return -1;
	*e = '\0';
	snprintf(buf, len, "%s", b + 1);
	return 0;
}

/*
 * A shmem THP mapped by PTEs, slow or fast path: the following PTEs of the
 * same folio are taken in one step with the first page, so the whole folio
 * is two page_pin events (the first page, then the rest) instead of one
 * per page. The PMD mapping goes when mprotect() splits the VMA; the pages are
 * faulted back by PTEs while it is split, and written once it is whole
 * again, so that all the PTEs are alike. Up to two events per VMA are
 * accepted, in case the VMAs did not merge back.
 */
static void test_thp_pte_mapped(bool fast)
{
	const char *what = fast ? "PTE-mapped shmem THP, fast" :
				  "PTE-mapped shmem THP, slow";
	size_t i, n = thpsize / pagesize;
	char *map, *addr, old[32];
	unsigned long pfn;
	int fd, pins = 0;
	bool ok = true;

	if (read_choice(SHMEM_ENABLED, old, sizeof(old)) ||
	    write_file(SHMEM_ENABLED, "advise")) {
		ksft_test_result_skip("%s: no %s\n", what, SHMEM_ENABLED);
		return;
	}
	fd = memfd_create("pin_trace", 0);
	if (fd < 0 || ftruncate(fd, thpsize)) {
		ksft_test_result_fail("%s: memfd: %s\n", what, strerror(errno));
		goto out_sysfs;
	}
	map = mmap(NULL, 2 * thpsize, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED) {
		ksft_test_result_fail("%s: mmap: %s\n", what, strerror(errno));
		goto out_fd;
	}
	addr = (char *)(((uintptr_t)map + thpsize - 1) & ~(thpsize - 1));
	if (mmap(addr, thpsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0) == MAP_FAILED) {
		ksft_test_result_fail("%s: mmap: %s\n", what, strerror(errno));
		goto out_map;
	}
	madvise(addr, thpsize, MADV_HUGEPAGE);
	memset(addr, 1, thpsize);
	if (!check_huge_shmem(addr, 1, thpsize)) {
		ksft_test_result_skip("%s: no shmem THP allocated\n", what);
		goto out_map;
	}
	pfn = pagemap_get_pfn(pagemap_fd, addr);
	if (mprotect(addr + pagesize, pagesize, PROT_READ)) {
		ksft_test_result_fail("%s: mprotect: %s\n", what, strerror(errno));
		goto out_map;
	}
	/* Read faults: the pages are checked, and so touched, one by one. */
	for (i = 0; i < n; i++)
		if (addr[i * pagesize] != 1) {
			ksft_test_result_fail("%s: page %zu lost its data\n",
					      what, i);
			goto out_map;
		}
	if (mprotect(addr + pagesize, pagesize, PROT_READ | PROT_WRITE)) {
		ksft_test_result_fail("%s: mprotect: %s\n", what, strerror(errno));
		goto out_map;
	}
	memset(addr, 2, thpsize);
	if (check_huge_shmem(addr, 1, thpsize) ||
	    pagemap_get_pfn(pagemap_fd, addr) != pfn ||
	    pagemap_get_pfn(pagemap_fd, addr + (n - 1) * pagesize) != pfn + n - 1) {
		ksft_test_result_skip("%s: not a THP mapped by PTEs\n", what);
		goto out_map;
	}
	if (trace_begin()) {
		ksft_test_result_fail("%s: cannot enable the events\n", what);
		goto out_map;
	}
	if (pin(addr, thpsize, fast)) {
		ksft_print_msg("PIN_LONGTERM_TEST_START: %s\n", strerror(errno));
		ok = false;
	}
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP))
		ok = false;
	if (trace_end()) {
		ksft_test_result_fail("%s: cannot read the trace\n", what);
		goto out_map;
	}
	for (i = 0; i < (size_t)nr_evs; i++) {
		pins += !evs[i].unpin;
		if (!evs[i].unpin && how_has(&evs[i], "fast") != fast) {
			ksft_print_msg("a pin %s GUP-fast\n",
				       fast ? "not by" : "by");
			ok = false;
		}
	}
	if (ok && (pins > 6 || pins_on(pfn, false) != 1 ||
		   pins_on(pfn + n - 1, false) != 1)) {
		ksft_print_msg("%d page_pin events for one PTE-mapped THP, want <= 6\n",
			       pins);
		ok = false;
	}
	if (ok)
		ok = totals_are(n);
	if (!ok)
		dump_events();
	ksft_test_result(ok, "%s: the PTEs of one folio pinned in one step, balanced\n",
			 what);
out_map:
	munmap(map, 2 * thpsize);
out_fd:
	if (fd >= 0)
		close(fd);
out_sysfs:
	write_file(SHMEM_ENABLED, old);
}

/*
 * udmabuf over a hugetlb memfd: memfd_pin_folios() pins the folio, naming
 * no page ("folio", pfn of the head), and closing the buffer unpins it.
 */
static void test_udmabuf_hugetlb(void)
{
	struct udmabuf_create create = { 0 };
	int dev, memfd = -1, buf = -1;
	unsigned long pfn;
	bool ok = true;
	char *addr = MAP_FAILED;

	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0) {
		ksft_test_result_skip("udmabuf, hugetlb: /dev/udmabuf: %s\n",
				      strerror(errno));
		return;
	}
	memfd = memfd_create("pin_trace", MFD_ALLOW_SEALING | MFD_HUGETLB);
	if (memfd < 0 || ftruncate(memfd, thpsize) ||
	    fallocate(memfd, 0, 0, thpsize)) {
		ksft_test_result_skip("udmabuf, hugetlb: no free 2 MiB hugetlb page\n");
		goto out;
	}
	addr = mmap(NULL, thpsize, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (addr == MAP_FAILED) {
		ksft_test_result_fail("udmabuf, hugetlb: mmap: %s\n",
				      strerror(errno));
		goto out;
	}
	addr[0] = 1;
	pfn = pagemap_get_pfn(pagemap_fd, addr);
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		ksft_test_result_fail("udmabuf, hugetlb: F_SEAL_SHRINK: %s\n",
				      strerror(errno));
		goto out;
	}
	create.memfd = memfd;
	create.size = thpsize;
	if (trace_begin()) {
		ksft_test_result_fail("udmabuf, hugetlb: cannot enable the events\n");
		goto out;
	}
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	if (buf < 0) {
		ksft_print_msg("UDMABUF_CREATE: %s\n", strerror(errno));
		ok = false;
	} else {
		close(buf);
	}
	if (trace_end()) {
		ksft_test_result_fail("udmabuf, hugetlb: cannot read the trace\n");
		goto out;
	}
	if (ok && (pins_on(pfn, false) < 1 ||
		   pins_on(pfn, false) != pins_on(pfn, true) ||
		   total(false) != total(true))) {
		ksft_print_msg("pfn 0x%lx: %lu pins, %lu unpins traced\n", pfn,
			       pins_on(pfn, false), pins_on(pfn, true));
		ok = false;
	}
	if (ok && (!how_has(&evs[0], "folio") || !how_has(&evs[0], "longterm") ||
		   evs[0].order != 9)) {
		ksft_print_msg("want how=longterm|folio order=9 first\n");
		ok = false;
	}
	if (!ok)
		dump_events();
	ksft_test_result(ok, "udmabuf, hugetlb: a folio pin, balanced\n");
out:
	if (addr != MAP_FAILED)
		munmap(addr, thpsize);
	if (memfd >= 0)
		close(memfd);
	close(dev);
}

/* Disabled events record nothing. */
static void test_disabled(void)
{
	size_t size = NR_SMALL * pagesize;
	char line[512];
	bool ok = true;
	char *addr;
	FILE *f;

	addr = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (addr == MAP_FAILED) {
		ksft_test_result_fail("disabled: mmap: %s\n", strerror(errno));
		return;
	}
	memset(addr, 1, size);
	if (trace_begin() ||
	    write_file(TRACEFS "/events/page_pin/enable", "0")) {
		ksft_test_result_fail("disabled: cannot set up tracefs\n");
		goto out;
	}
	if (pin(addr, size, false) || ioctl(gup_fd, PIN_LONGTERM_TEST_STOP))
		ok = false;
	f = fopen(TRACEFS "/trace", "r");
	if (!f) {
		ok = false;
	} else {
		while (fgets(line, sizeof(line), f))
			if (strstr(line, " page_pin: ") ||
			    strstr(line, " page_unpin: "))
				ok = false;
		fclose(f);
	}
	ksft_test_result(ok, "disabled: pins and unpins leave no event\n");
out:
	munmap(addr, size);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(7);

	pagesize = getpagesize();
	thpsize = read_pmd_pagesize();
	if (!thpsize)
		thpsize = 2UL << 20;
	if (access(TRACEFS "/trace", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	if (access(TRACEFS "/events/page_pin/page_pin/format", R_OK))
		ksft_exit_skip("no page_pin events in %s (tracefs or the tracepoints missing)\n",
			       TRACEFS);
	gup_fd = open(GUP_TEST_FILE, O_RDWR);
	if (gup_fd < 0)
		ksft_exit_skip("%s: %s (CONFIG_GUP_TEST, debugfs)\n",
			       GUP_TEST_FILE, strerror(errno));
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0)
		ksft_exit_fail_msg("/proc/self/pagemap: %s\n", strerror(errno));

	test_small(false);
	test_small(true);
	test_thp_fast();
	test_thp_pte_mapped(false);
	test_thp_pte_mapped(true);
	test_udmabuf_hugetlb();
	test_disabled();

	write_file(TRACEFS "/set_event_pid", "");
	write_file(TRACEFS "/trace", "");
	ksft_finished();
}
