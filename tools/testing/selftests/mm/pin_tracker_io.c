// SPDX-License-Identifier: GPL-2.0
/*
 * Real pin sources on large folios, against the DMA-pin tracker
 * (CONFIG_PAGE_PIN_TRACKER) and against plain FOLL_PIN accounting:
 *
 *   vfat     O_DIRECT reads into THP head and tail pages through legacy
 *            direct I/O (fs/direct-io.c), on a loop device;
 *   ext4     O_DIRECT reads through iomap into a THP while gup_test holds
 *            a long-term pin on another page of the same THP;
 *   uring    io_uring fixed buffers over a THP (all of it, and 64 KiB
 *            from page 100) while gup_test pins page 50;
 *   udmabuf  udmabuf (memfd_pin_folios) over plain shmem, a PTE-mapped
 *            shmem THP and hugetlb: PAGE_IS_PINNED on every page;
 *   rdma     an O_DIRECT read overlapping a long-term pin of a whole THP
 *            (an RDMA MR stand-in), released page by page;
 *   boundary gup_test PIN_FAST/GUP_FAST requests of 0 pages per call,
 *            partial last pages and 100 bytes over small pages, THP and
 *            hugetlb, each in a child process so that an oops kills only
 *            that probe.
 *
 * Every case ends with: nr_foll_pin_acquired and nr_foll_pin_released
 * moved by the same amount, and, with the tracker on, summary
 * pinned_pages=0 and no new bad_unpins or freed_pinned events. While pins
 * are held, the tracker's listing (tracker on) and PAGEMAP_SCAN's
 * PAGE_IS_PINNED must name exactly the pinned pages.
 *
 * Usage: pin_tracker_io [-c CASE]...   (default: all cases, boundary last)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <linux/memfd.h>
#include <linux/udmabuf.h>

#include "local_config.h"
#ifdef LOCAL_CONFIG_HAVE_LIBURING
#include <liburing.h>
#endif

#include "../../../../mm/gup_test.h"
#include "../kselftest.h"
#include "vm_util.h"
#include "pin_util.h"

#define GUP_TEST_FILE	"/sys/kernel/debug/gup_test"
#define SHMEM_ENABLED	"/sys/kernel/mm/transparent_hugepage/shmem_enabled"
#define KPF_THP		22	/* /proc/kpageflags bit */
#define FOLL_WRITE	0x01
#define VEC_LEN		1024
#define IMG_SIZE	(64UL << 20)
#define DATA_SIZE	(4UL << 20)

static size_t pagesize, thpsize;
static size_t nr_thp_pages;
static int gup_fd = -1, pagemap_fd = -1, kpageflags_fd = -1;
static bool tracker_on;
static struct page_region vec[VEC_LEN];

/* ---------------------------------------------------------------- */
/* Counters: /proc/vmstat foll_pin and the tracker's summary        */

struct snap {
	long acquired, released;
	long bad_unpins, freed_pinned;
	long pinned_pages;
	unsigned long hugetlb_free;
};

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t ret;

	if (fd < 0)
		return -errno;
	ret = read(fd, buf, len - 1);
	close(fd);
	if (ret < 0)
		return -errno;
	buf[ret] = 0;
	return 0;
}

static void snap_take(struct snap *s)
{
	pin_write_file("/proc/sys/vm/stat_refresh", "1");
	s->acquired = pin_vmstat("nr_foll_pin_acquired");
	s->released = pin_vmstat("nr_foll_pin_released");
	s->hugetlb_free = get_free_hugepages();
	if (tracker_on) {
		static const char * const keys[] = {
			"bad_unpins", "freed_pinned", "pinned_pages",
		};
		long v[3];

		pin_summary_n(keys, v, 3);
		s->bad_unpins = v[0];
		s->freed_pinned = v[1];
		s->pinned_pages = v[2];
	}
}

/*
 * The end-of-case checks. Pins of other kernel users (the 9p root's
 * zero-copy I/O) come and go, so give them a moment to settle.
 */
static bool end_checks(const char *what, const struct snap *start,
		       bool check_hugetlb)
{
	static bool said_off;
	struct snap now;
	bool ok = true;
	int tries;

	for (tries = 0; tries < 50; tries++) {
		snap_take(&now);
		if (now.acquired - start->acquired ==
		    now.released - start->released &&
		    (!tracker_on || now.pinned_pages == 0) &&
		    (!check_hugetlb || now.hugetlb_free == start->hugetlb_free))
			break;
		usleep(20000);
	}
	if (now.acquired < 0 || now.released < 0) {
		ksft_print_msg("%s: no nr_foll_pin_* in /proc/vmstat\n", what);
		ok = false;
	} else if (now.acquired - start->acquired !=
		   now.released - start->released) {
		ksft_print_msg("%s: foll_pin acquired +%ld, released +%ld: %ld outstanding\n",
			       what, now.acquired - start->acquired,
			       now.released - start->released,
			       (now.acquired - start->acquired) -
			       (now.released - start->released));
		ok = false;
	}
	if (check_hugetlb && now.hugetlb_free != start->hugetlb_free) {
		ksft_print_msg("%s: HugePages_Free %lu, was %lu: pages not back in the pool\n",
			       what, now.hugetlb_free, start->hugetlb_free);
		ok = false;
	}
	if (!tracker_on) {
		if (!said_off)
			ksft_print_msg("tracker off: listing and summary checks skipped\n");
		said_off = true;
		return ok;
	}
	if (now.pinned_pages != 0) {
		ksft_print_msg("%s: tracker summary pinned_pages=%ld, want 0%s\n",
			       what, now.pinned_pages,
			       start->pinned_pages ? " (non-zero before this case)" : "");
		ok = false;
	}
	if (now.bad_unpins != start->bad_unpins) {
		ksft_print_msg("%s: tracker bad_unpins %ld -> %ld (unpin, no recorded pin)\n",
			       what, start->bad_unpins, now.bad_unpins);
		ok = false;
	}
	if (now.freed_pinned != start->freed_pinned) {
		ksft_print_msg("%s: tracker freed_pinned %ld -> %ld (free with pins)\n",
			       what, start->freed_pinned, now.freed_pinned);
		ok = false;
	}
	return ok;
}

/* ---------------------------------------------------------------- */
/* Memory                                                           */

static unsigned long pfn_of(char *addr)
{
	return pagemap_get_pfn(pagemap_fd, addr);
}

static uint64_t kpageflags(unsigned long pfn)
{
	uint64_t flags = 0;

	if (kpageflags_fd < 0 ||
	    pread(kpageflags_fd, &flags, sizeof(flags), pfn * sizeof(flags)) !=
	    sizeof(flags))
		return 0;
	return flags;
}

/*
 * True when @addr..+thpsize is one THP: every page present, the pfns
 * contiguous from a THP-aligned head, each flagged THP.
 */
static bool is_one_thp(char *addr)
{
	unsigned long pfn0 = pfn_of(addr), i;

	if (!pfn0 || pfn0 == -1UL || pfn0 % nr_thp_pages)
		return false;
	for (i = 0; i < nr_thp_pages; i++) {
		if (pfn_of(addr + i * pagesize) != pfn0 + i)
			return false;
		if (kpageflags_fd >= 0 && !((kpageflags(pfn0 + i) >> KPF_THP) & 1))
			return false;
	}
	return true;
}

struct thp {
	char *map;
	size_t map_size;
	char *addr;
};

/* A populated, PMD-mapped anonymous THP, or NULL and a reason. */
static char *thp_alloc(struct thp *t, const char **why)
{
	t->map_size = 2 * thpsize;
	t->map = mmap(NULL, t->map_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->map == MAP_FAILED) {
		*why = "mmap failed";
		t->map = NULL;
		return NULL;
	}
	t->addr = (char *)(((uintptr_t)t->map + thpsize - 1) & ~(thpsize - 1));
	if (madvise(t->addr, thpsize, MADV_HUGEPAGE)) {
		*why = "MADV_HUGEPAGE failed (THP not enabled?)";
		goto fail;
	}
	memset(t->addr, 0x11, thpsize);
	if (!check_huge_anon(t->addr, 1, thpsize) || !is_one_thp(t->addr)) {
		*why = "no THP was allocated for the buffer";
		goto fail;
	}
	return t->addr;
fail:
	munmap(t->map, t->map_size);
	t->map = NULL;
	return NULL;
}

static void thp_free(struct thp *t)
{
	if (t->map)
		munmap(t->map, t->map_size);
	t->map = NULL;
}

static int gup_pin(char *addr, size_t size)
{
	struct pin_longterm_test args = {
		.addr = (uintptr_t)addr,
		.size = size,
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE,
	};

	return ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args) ? -errno : 0;
}

static void gup_unpin(void)
{
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP))
		ksft_print_msg("PIN_LONGTERM_TEST_STOP: %s\n", strerror(errno));
}

/* ---------------------------------------------------------------- */
/* What is pinned: the tracker's listing and PAGEMAP_SCAN            */

/*
 * Fill @counts[i] with the listed pin count of pfn @pfn0 + i, for
 * @n pages. Returns false when the listing cannot be read.
 */
static bool listing_counts(unsigned long pfn0, size_t n, int *counts)
{
	char line[512];
	FILE *f;

	memset(counts, 0, n * sizeof(*counts));
	pin_write_file(PPT_DIR "/filter_pid", "0");
	f = fopen(PPT_DIR "/pinned", "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long pfn;
		int count;

		if (strncmp(line, "pfn=", 4))
			continue;
		if (sscanf(line, "pfn=%lx count=%d", &pfn, &count) != 2) {
			ksft_print_msg("unparsable record: %s", line);
			fclose(f);
			return false;
		}
		if (pfn >= pfn0 && pfn < pfn0 + n)
			counts[pfn - pfn0] = count;
	}
	fclose(f);
	return true;
}

/*
 * With the tracker on, the listing must show exactly @want[i] pins on
 * page i of the THP at @addr. Without it, say the check is skipped.
 */
static bool listing_expect(const char *what, char *addr, const int *want)
{
	static int counts[4096];
	unsigned long pfn0 = pfn_of(addr);
	size_t i, bad = 0;

	if (!tracker_on)
		return true;
	if (!listing_counts(pfn0, nr_thp_pages, counts)) {
		ksft_print_msg("%s: cannot read the tracker's listing\n", what);
		return false;
	}
	for (i = 0; i < nr_thp_pages; i++) {
		if (counts[i] == want[i])
			continue;
		if (bad++ < 8)
			ksft_print_msg("%s: listing: page %zu (pfn 0x%lx) count=%d, want %d\n",
				       what, i, pfn0 + i, counts[i], want[i]);
	}
	if (bad > 8)
		ksft_print_msg("%s: listing: %zu pages differ in all\n", what, bad);
	return bad == 0;
}

/*
 * PAGEMAP_SCAN PAGE_IS_PINNED over @size bytes at @addr: exactly the pages
 * with @want[i] set must be reported.
 */
static bool scan_expect(const char *what, char *addr, size_t size,
			const bool *want)
{
	size_t n = size / pagesize, i, bad = 0;
	static bool got[4096];
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = (uintptr_t)addr,
		.end = (uintptr_t)addr + size,
		.vec = (uintptr_t)vec,
		.vec_len = VEC_LEN,
		.category_mask = PAGE_IS_PINNED,
		.return_mask = PAGE_IS_PINNED,
	};
	long ret, r;

	ret = ioctl(pagemap_fd, PAGEMAP_SCAN, &arg);
	if (ret < 0) {
		ksft_print_msg("%s: PAGEMAP_SCAN PAGE_IS_PINNED: %s\n", what,
			       strerror(errno));
		return false;
	}
	memset(got, 0, sizeof(got));
	for (r = 0; r < ret; r++) {
		uintptr_t a;

		for (a = vec[r].start; a < vec[r].end; a += pagesize)
			got[(a - (uintptr_t)addr) / pagesize] = true;
	}
	for (i = 0; i < n; i++) {
		if (got[i] == want[i])
			continue;
		if (bad++ < 8)
			ksft_print_msg("%s: PAGE_IS_PINNED: page %zu reported %s, want %s\n",
				       what, i, got[i] ? "pinned" : "not pinned",
				       want[i] ? "pinned" : "not pinned");
	}
	if (bad > 8)
		ksft_print_msg("%s: PAGE_IS_PINNED: %zu of %zu pages wrong\n",
			       what, bad, n);
	return bad == 0;
}

/* PAGE_IS_PINNED on a PMD-mapped THP is folio-wide: all or nothing. */
static bool scan_expect_all(const char *what, char *addr, size_t size,
			    bool pinned)
{
	static bool want[4096];
	size_t i;

	for (i = 0; i < size / pagesize; i++)
		want[i] = pinned;
	return scan_expect(what, addr, size, want);
}

/* ---------------------------------------------------------------- */
/* A file system on a loop device                                   */

struct fsimg {
	char dir[64], img[96], mnt[96], dev[32], file[128];
	int loop_fd;
	bool mounted;
};

static bool have_fs(const char *fstype)
{
	char line[128];
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p = strrchr(line, '\t');

		if (p && !strncmp(p + 1, fstype, strlen(fstype)) &&
		    p[1 + strlen(fstype)] == '\n')
			found = true;
	}
	fclose(f);
	return found;
}

static void fs_teardown(struct fsimg *fs)
{
	if (fs->mounted && umount2(fs->mnt, 0))
		ksft_print_msg("umount %s: %s\n", fs->mnt, strerror(errno));
	fs->mounted = false;
	if (fs->loop_fd >= 0) {
		ioctl(fs->loop_fd, LOOP_CLR_FD, 0);
		close(fs->loop_fd);
		fs->loop_fd = -1;
	}
	if (fs->img[0])
		unlink(fs->img);
	if (fs->mnt[0])
		rmdir(fs->mnt);
	if (fs->dir[0])
		rmdir(fs->dir);
	fs->dir[0] = 0;
	fs->img[0] = 0;
	fs->mnt[0] = 0;
}

static char fs_skip[256];

/*
 * mkfs @fstype on a file in /tmp, attach it to a free loop device and
 * mount it, then write DATA_SIZE bytes of a known pattern to a file on
 * it. Returns NULL, or why the case must be skipped.
 */
static const char *fs_setup(struct fsimg *fs, const char *fstype,
			    const char *mkfs)
{
	char cmd[256];
	int ctl, nr, img_fd, fd;
	size_t off;
	char *data;

	memset(fs, 0, sizeof(*fs));
	fs->loop_fd = -1;
	if (!have_fs(fstype)) {
		snprintf(fs_skip, sizeof(fs_skip),
			 "the kernel has no %s file system", fstype);
		return fs_skip;
	}
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null", mkfs);
	if (system(cmd)) {
		snprintf(fs_skip, sizeof(fs_skip), "%s is not installed", mkfs);
		return fs_skip;
	}
	ctl = open("/dev/loop-control", O_RDWR);
	if (ctl < 0) {
		snprintf(fs_skip, sizeof(fs_skip),
			 "no /dev/loop-control (CONFIG_BLK_DEV_LOOP): %s",
			 strerror(errno));
		return fs_skip;
	}
	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (nr < 0) {
		snprintf(fs_skip, sizeof(fs_skip), "LOOP_CTL_GET_FREE: %s",
			 strerror(errno));
		return fs_skip;
	}

	snprintf(fs->dir, sizeof(fs->dir), "/tmp/pin_tracker_io.XXXXXX");
	if (!mkdtemp(fs->dir))
		ksft_exit_fail_msg("mkdtemp: %s\n", strerror(errno));
	snprintf(fs->img, sizeof(fs->img), "%s/img", fs->dir);
	snprintf(fs->mnt, sizeof(fs->mnt), "%s/mnt", fs->dir);
	snprintf(fs->file, sizeof(fs->file), "%s/data", fs->mnt);
	snprintf(fs->dev, sizeof(fs->dev), "/dev/loop%d", nr);
	if (mkdir(fs->mnt, 0700))
		ksft_exit_fail_msg("mkdir %s: %s\n", fs->mnt, strerror(errno));
	img_fd = open(fs->img, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (img_fd < 0 || ftruncate(img_fd, IMG_SIZE))
		ksft_exit_fail_msg("%s: %s\n", fs->img, strerror(errno));
	snprintf(cmd, sizeof(cmd), "%s %s %s >/dev/null 2>&1", mkfs,
		 !strcmp(fstype, "ext4") ? "-q -F" : "", fs->img);
	if (system(cmd))
		ksft_exit_fail_msg("'%s' failed\n", cmd);

	fs->loop_fd = open(fs->dev, O_RDWR);
	if (fs->loop_fd < 0)
		ksft_exit_fail_msg("open %s: %s\n", fs->dev, strerror(errno));
	if (ioctl(fs->loop_fd, LOOP_SET_FD, img_fd))
		ksft_exit_fail_msg("LOOP_SET_FD %s: %s\n", fs->dev,
				   strerror(errno));
	close(img_fd);
	if (mount(fs->dev, fs->mnt, fstype, 0, NULL))
		ksft_exit_fail_msg("mount -t %s %s: %s\n", fstype, fs->dev,
				   strerror(errno));
	fs->mounted = true;

	/* Page i of the file is filled with (i * 7 + 1) & 0xff. */
	data = malloc(DATA_SIZE);
	if (!data)
		ksft_exit_fail_msg("malloc\n");
	for (off = 0; off < DATA_SIZE; off += pagesize)
		memset(data + off, (off / pagesize * 7 + 1) & 0xff, pagesize);
	fd = open(fs->file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, DATA_SIZE) != (ssize_t)DATA_SIZE ||
	    fsync(fd))
		ksft_exit_fail_msg("writing %s: %s\n", fs->file, strerror(errno));
	close(fd);
	free(data);
	return NULL;
}

/*
 * O_DIRECT read of @len bytes at file offset @foff into @buf; check that
 * the data arrived. Returns false and says why otherwise.
 */
static bool dio_read(const char *what, struct fsimg *fs, char *buf,
		     size_t len, size_t foff)
{
	ssize_t ret;
	size_t off;
	int fd;

	fd = open(fs->file, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		ksft_print_msg("%s: open O_DIRECT: %s\n", what, strerror(errno));
		return false;
	}
	ret = pread(fd, buf, len, foff);
	close(fd);
	if (ret != (ssize_t)len) {
		ksft_print_msg("%s: O_DIRECT pread of %zu bytes: %zd (%s)\n",
			       what, len, ret, ret < 0 ? strerror(errno) : "short");
		return false;
	}
	for (off = 0; off < len; off += pagesize) {
		char want = ((foff + off) / pagesize * 7 + 1) & 0xff;

		if (buf[off] != want || buf[off + pagesize - 1] != want) {
			ksft_print_msg("%s: wrong data at +%zu\n", what, off);
			return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------- */
/* Case 2: legacy direct I/O (vfat) into THP head and tail pages     */

static void test_vfat(void)
{
	static const struct {
		const char *what;
		size_t page, len;
	} reads[] = {
		{ "4 KiB into the head page", 0, 4096 },
		{ "4 KiB into tail page 1", 1, 4096 },
		{ "64 KiB into tail pages 200-215", 200, 65536 },
		{ "8 KiB into the last two tail pages", 510, 8192 },
		{ "1 MiB into pages 0-255 (head and tails)", 0, 1 << 20 },
	};
	static int none[4096];
	const char *why;
	struct fsimg fs;
	struct snap s;
	struct thp t;
	bool ok = true;
	size_t i;
	char *buf;

	why = fs_setup(&fs, "vfat", "mkfs.vfat");
	if (why) {
		ksft_test_result_skip("vfat (legacy direct I/O) O_DIRECT into THP: %s\n",
				      why);
		return;
	}
	snap_take(&s);
	buf = thp_alloc(&t, &why);
	if (!buf) {
		fs_teardown(&fs);
		ksft_test_result_skip("vfat (legacy direct I/O) O_DIRECT into THP: %s\n",
				      why);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(reads); i++) {
		char what[128];

		if (reads[i].page * pagesize + reads[i].len > thpsize)
			continue;
		snprintf(what, sizeof(what), "vfat: %s", reads[i].what);
		ok &= dio_read(what, &fs, buf + reads[i].page * pagesize,
			       reads[i].len, (i + 1) * 65536);
		/* Nothing may stay pinned once the read has returned. */
		ok &= listing_expect(what, buf, none);
		ok &= scan_expect_all(what, buf, thpsize, false);
	}
	thp_free(&t);
	fs_teardown(&fs);
	ok &= end_checks("vfat", &s, false);
	ksft_test_result(ok, "vfat (legacy direct I/O) O_DIRECT into THP head and tail pages\n");
}

/* ---------------------------------------------------------------- */
/* Case 3: iomap direct I/O (ext4) while another page is pinned      */

static void test_ext4(void)
{
	static int want[4096];
	const char *why;
	struct fsimg fs;
	struct snap s;
	struct thp t;
	bool ok = true;
	char *buf;
	int ret;

	why = fs_setup(&fs, "ext4", "mkfs.ext4");
	if (why) {
		ksft_test_result_skip("ext4 (iomap) O_DIRECT into THP with page 50 pinned: %s\n",
				      why);
		return;
	}
	snap_take(&s);
	buf = thp_alloc(&t, &why);
	if (!buf) {
		fs_teardown(&fs);
		ksft_test_result_skip("ext4 (iomap) O_DIRECT into THP with page 50 pinned: %s\n",
				      why);
		return;
	}
	memset(want, 0, sizeof(want));
	ret = gup_pin(buf + 50 * pagesize, pagesize);
	if (ret) {
		ksft_print_msg("ext4: PIN_LONGTERM_TEST_START on page 50: %s\n",
			       strerror(-ret));
		ok = false;
		goto out;
	}
	want[50] = 1;
	ok &= listing_expect("ext4: page 50 pinned", buf, want);
	ok &= scan_expect_all("ext4: page 50 pinned", buf, thpsize, true);

	ok &= dio_read("ext4: 256 KiB into pages 0-63", &fs, buf, 256 << 10,
		       0);
	ok &= listing_expect("ext4: after the read into pages 0-63", buf, want);
	ok &= dio_read("ext4: 64 KiB into pages 100-115", &fs,
		       buf + 100 * pagesize, 64 << 10, 1 << 20);
	ok &= listing_expect("ext4: after the read into pages 100-115", buf,
			     want);
	ok &= dio_read("ext4: 4 KiB into page 51", &fs, buf + 51 * pagesize,
		       4096, 2 << 20);
	ok &= listing_expect("ext4: after the read into page 51", buf, want);
	ok &= scan_expect_all("ext4: page 50 still pinned", buf, thpsize, true);

	gup_unpin();
	want[50] = 0;
	ok &= listing_expect("ext4: after unpin", buf, want);
	ok &= scan_expect_all("ext4: after unpin", buf, thpsize, false);
out:
	gup_unpin();
	thp_free(&t);
	fs_teardown(&fs);
	ok &= end_checks("ext4", &s, false);
	ksft_test_result(ok, "ext4 (iomap) O_DIRECT into THP with page 50 pinned\n");
}

/* ---------------------------------------------------------------- */
/* Case 4: io_uring fixed buffers on a THP (the scenario)    */

static void test_uring(void)
{
#ifdef LOCAL_CONFIG_HAVE_LIBURING
	static int want[4096];
	struct io_uring ring;
	struct iovec iov[2];
	const char *why;
	struct snap s;
	struct thp t;
	bool ok = true;
	char *buf;
	int ret;

	snap_take(&s);
	buf = thp_alloc(&t, &why);
	if (!buf) {
		ksft_test_result_skip("io_uring fixed buffers on THP: %s\n", why);
		return;
	}
	ret = io_uring_queue_init(8, &ring, 0);
	if (ret) {
		thp_free(&t);
		ksft_test_result_skip("io_uring fixed buffers on THP: io_uring_queue_init: %s\n",
				      strerror(-ret));
		return;
	}
	memset(want, 0, sizeof(want));
	ret = gup_pin(buf + 50 * pagesize, pagesize);
	if (ret) {
		ksft_print_msg("uring: PIN_LONGTERM_TEST_START on page 50: %s\n",
			       strerror(-ret));
		ok = false;
		goto out;
	}
	want[50] = 1;

	iov[0].iov_base = buf;
	iov[0].iov_len = thpsize;
	iov[1].iov_base = buf + 100 * pagesize;
	iov[1].iov_len = 64 << 10;
	ret = io_uring_register_buffers(&ring, iov, 2);
	if (ret) {
		ksft_print_msg("uring: io_uring_register_buffers: %s\n",
			       strerror(-ret));
		ok = false;
		goto out;
	}
	/*
	 * io_uring keeps one pin per folio of a buffer that it coalesces, so
	 * how the listing spreads those over the pages is the tracker's
	 * business: only ask that page 50 is still listed.
	 */
	if (tracker_on) {
		static int counts[4096];

		if (!listing_counts(pfn_of(buf), nr_thp_pages, counts) ||
		    counts[50] < 1) {
			ksft_print_msg("uring: buffers registered: page 50 not listed\n");
			ok = false;
		}
	}
	ok &= scan_expect_all("uring: buffers registered", buf, thpsize, true);

	ret = io_uring_unregister_buffers(&ring);
	if (ret) {
		ksft_print_msg("uring: io_uring_unregister_buffers: %s\n",
			       strerror(-ret));
		ok = false;
	}
	memset(want, 0, sizeof(want));
	want[50] = 1;
	ok &= listing_expect("uring: buffers unregistered, page 50 pinned", buf,
			     want);
	ok &= scan_expect_all("uring: buffers unregistered, page 50 pinned",
			      buf, thpsize, true);

	gup_unpin();
	want[50] = 0;
	ok &= listing_expect("uring: after unpin", buf, want);
	ok &= scan_expect_all("uring: after unpin", buf, thpsize, false);
out:
	gup_unpin();
	io_uring_queue_exit(&ring);
	thp_free(&t);
	ok &= end_checks("uring", &s, false);
	ksft_test_result(ok, "io_uring fixed buffers on THP while gup_test pins page 50\n");
#else
	ksft_test_result_skip("io_uring fixed buffers on THP: built without liburing\n");
#endif
}

/* ---------------------------------------------------------------- */
/* Case 5: udmabuf over memfd                                        */

enum udmabuf_kind { UDMABUF_SHMEM, UDMABUF_SHMEM_THP, UDMABUF_HUGETLB };
static const char * const udmabuf_names[] = {
	"plain shmem", "shmem THP mapped by PTEs", "hugetlb"
};

static char shmem_enabled_saved[32];

/* The selected word of shmem_enabled ("[never]" -> "never"). */
static bool shmem_enabled_get(char *out, size_t len)
{
	char buf[256], *a, *b;

	if (read_file(SHMEM_ENABLED, buf, sizeof(buf)))
		return false;
	a = strchr(buf, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!b || (size_t)(b - a) > len)
		return false;
	memcpy(out, a + 1, b - a - 1);
	out[b - a - 1] = 0;
	return true;
}

static void test_udmabuf(enum udmabuf_kind kind)
{
	const char *name = udmabuf_names[kind];
	struct udmabuf_create create = { 0 };
	char *map = NULL, *addr = NULL;
	int memfd = -1, dev = -1, buf = -1;
	bool ok = true, restore = false;
	size_t size = thpsize, map_size = 0, i;
	static bool want[4096];
	const char *skip = NULL;
	unsigned long pfn0;
	struct snap s;

	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0) {
		ksft_test_result_skip("udmabuf over %s: /dev/udmabuf: %s (CONFIG_UDMABUF)\n",
				      name, strerror(errno));
		return;
	}
	if (kind == UDMABUF_HUGETLB && get_free_hugepages() < 1) {
		close(dev);
		ksft_test_result_skip("udmabuf over %s: no free 2 MiB hugetlb page\n",
				      name);
		return;
	}
	if (kind != UDMABUF_HUGETLB) {
		char want_mode[8];

		snprintf(want_mode, sizeof(want_mode), "%s",
			 kind == UDMABUF_SHMEM_THP ? "always" : "never");
		if (!shmem_enabled_get(shmem_enabled_saved,
				       sizeof(shmem_enabled_saved))) {
			if (kind == UDMABUF_SHMEM_THP) {
				close(dev);
				ksft_test_result_skip("udmabuf over %s: cannot read %s\n",
						      name, SHMEM_ENABLED);
				return;
			}
		} else if (strcmp(shmem_enabled_saved, want_mode)) {
			if (pin_write_file(SHMEM_ENABLED, want_mode)) {
				close(dev);
				ksft_test_result_skip("udmabuf over %s: cannot set %s to %s\n",
						      name, SHMEM_ENABLED, want_mode);
				return;
			}
			restore = true;
		}
	}

	snap_take(&s);
	memfd = memfd_create("pin_tracker_io", MFD_ALLOW_SEALING |
			     (kind == UDMABUF_HUGETLB ? MFD_HUGETLB : 0));
	if (memfd < 0) {
		skip = "memfd_create failed";
		goto out;
	}
	if (ftruncate(memfd, size) || fallocate(memfd, 0, 0, size)) {
		skip = "cannot allocate the memfd's pages";
		goto out;
	}
	/*
	 * Map the file one page past a THP boundary, so that a shmem THP can
	 * only be mapped by PTEs (hugetlb needs an aligned mapping).
	 */
	map_size = size + 2 * thpsize;
	map = mmap(NULL, map_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		map = NULL;
		skip = "mmap failed";
		goto out;
	}
	addr = (char *)(((uintptr_t)map + thpsize - 1) & ~(thpsize - 1));
	if (kind == UDMABUF_SHMEM_THP)
		addr += pagesize;
	if (mmap(addr, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED | MAP_POPULATE, memfd, 0) == MAP_FAILED) {
		skip = "mmap of the memfd failed";
		goto out;
	}
	memset(addr, 0x22, size);
	pfn0 = pfn_of(addr);
	if (kind == UDMABUF_SHMEM_THP && !is_one_thp(addr)) {
		skip = "shmem did not allocate a THP for the memfd";
		goto out;
	}
	if (kind == UDMABUF_SHMEM && ((kpageflags(pfn0) >> KPF_THP) & 1)) {
		skip = "shmem allocated a THP although shmem_enabled=never";
		goto out;
	}

	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		ksft_print_msg("udmabuf %s: F_SEAL_SHRINK: %s\n", name,
			       strerror(errno));
		ok = false;
		goto out;
	}
	for (i = 0; i < size / pagesize; i++)
		want[i] = false;
	ok &= scan_expect("udmabuf: before", addr, size, want);

	create.memfd = memfd;
	create.flags = UDMABUF_FLAGS_CLOEXEC;
	create.offset = 0;
	create.size = size;
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	if (buf < 0) {
		ksft_print_msg("udmabuf %s: UDMABUF_CREATE: %s\n", name,
			       strerror(errno));
		ok = false;
		goto out;
	}
	for (i = 0; i < size / pagesize; i++)
		want[i] = true;
	ok &= scan_expect("udmabuf: while the udmabuf exists", addr, size, want);
	if (tracker_on && pin_summary("pinned_pages") <= 0) {
		ksft_print_msg("udmabuf %s: summary pinned_pages=%ld with the udmabuf\n",
			       name, pin_summary("pinned_pages"));
		ok = false;
	}
	close(buf);
	buf = -1;
	for (i = 0; i < size / pagesize; i++)
		want[i] = false;
	ok &= scan_expect("udmabuf: after close", addr, size, want);
out:
	if (buf >= 0)
		close(buf);
	if (map)
		munmap(map, map_size);
	if (memfd >= 0)
		close(memfd);
	close(dev);
	if (restore)
		pin_write_file(SHMEM_ENABLED, shmem_enabled_saved);
	if (skip) {
		ksft_test_result_skip("udmabuf over %s: %s\n", name, skip);
		return;
	}
	ok &= end_checks("udmabuf", &s, kind == UDMABUF_HUGETLB);
	ksft_test_result(ok, "udmabuf over %s: PAGE_IS_PINNED on every page while it exists\n",
			 name);
}

/* ---------------------------------------------------------------- */
/* Case 6: O_DIRECT overlapping a long-term pin of a whole THP       */

static void test_rdma_overlap(void)
{
	static int want[4096];
	const char *why;
	struct fsimg fs;
	struct snap s;
	struct thp t;
	bool ok = true;
	size_t i;
	char *buf;
	int ret;

	why = fs_setup(&fs, "ext4", "mkfs.ext4");
	if (why) {
		ksft_test_result_skip("O_DIRECT overlapping a long-term pin of a whole THP: %s\n",
				      why);
		return;
	}
	snap_take(&s);
	buf = thp_alloc(&t, &why);
	if (!buf) {
		fs_teardown(&fs);
		ksft_test_result_skip("O_DIRECT overlapping a long-term pin of a whole THP: %s\n",
				      why);
		return;
	}
	ret = gup_pin(buf, thpsize);
	if (ret) {
		ksft_print_msg("rdma: PIN_LONGTERM_TEST_START on the THP: %s\n",
			       strerror(-ret));
		ok = false;
		goto out;
	}
	for (i = 0; i < nr_thp_pages; i++)
		want[i] = 1;
	ok &= listing_expect("rdma: MR registered", buf, want);
	ok &= dio_read("rdma: 16 KiB into pages 100-103", &fs,
		       buf + 100 * pagesize, 16 << 10, 0);
	ok &= listing_expect("rdma: after the read into pages 100-103", buf,
			     want);
	ok &= dio_read("rdma: 4 KiB into page 300", &fs, buf + 300 * pagesize,
		       4096, 1 << 20);
	ok &= listing_expect("rdma: after the read into page 300", buf, want);
	ok &= scan_expect_all("rdma: MR registered", buf, thpsize, true);

	gup_unpin();
	memset(want, 0, sizeof(want));
	ok &= listing_expect("rdma: MR deregistered", buf, want);
	ok &= scan_expect_all("rdma: MR deregistered", buf, thpsize, false);
out:
	gup_unpin();
	thp_free(&t);
	fs_teardown(&fs);
	ok &= end_checks("rdma", &s, false);
	ksft_test_result(ok, "O_DIRECT (ext4) overlapping a long-term pin of a whole THP\n");
}

/* ---------------------------------------------------------------- */
/* Whole-folio pins: one record for the folio, not one per page      */

/*
 * A pin of pages @first..@last of a THP, GUP-slow or -fast: the listing
 * shows one pin on exactly those pages, and the summary's
 * whole_folio_pins goes up by one only when the run is the whole THP
 * (recorded once for the folio; a slow-path pin of a PMD-mapped THP used
 * to be recorded page by page).
 */
static void test_whole_folio(bool fast, size_t first, size_t last)
{
	static int want[4096];
	struct pin_longterm_test args = {
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE |
			 (fast ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0),
	};
	bool whole = first == 0 && last == nr_thp_pages - 1;
	long wholes0, wholes;
	char what[128];
	const char *why;
	struct snap s;
	struct thp t;
	bool ok = true;
	size_t i;
	char *buf;

	snprintf(what, sizeof(what), "%s pin of pages %zu-%zu of a THP",
		 fast ? "GUP-fast" : "GUP-slow", first, last);
	if (!tracker_on) {
		ksft_test_result_skip("%s: tracker off (no whole_folio_pins)\n",
				      what);
		return;
	}
	snap_take(&s);
	buf = thp_alloc(&t, &why);
	if (!buf) {
		ksft_test_result_skip("%s: %s\n", what, why);
		return;
	}
	wholes0 = pin_summary("whole_folio_pins");
	if (wholes0 < 0) {
		ksft_print_msg("%s: no whole_folio_pins in the summary\n", what);
		ok = false;
		goto out;
	}
	args.addr = (uintptr_t)(buf + first * pagesize);
	args.size = (last - first + 1) * pagesize;
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args)) {
		ksft_print_msg("%s: PIN_LONGTERM_TEST_START: %s\n", what,
			       strerror(errno));
		ok = false;
		goto out;
	}
	for (i = 0; i < nr_thp_pages; i++)
		want[i] = i >= first && i <= last;
	ok &= listing_expect(what, buf, want);
	wholes = pin_summary("whole_folio_pins");
	if (wholes != wholes0 + whole) {
		ksft_print_msg("%s: whole_folio_pins %ld -> %ld, want +%d\n",
			       what, wholes0, wholes, whole);
		ok = false;
	}
	gup_unpin();
	memset(want, 0, sizeof(want));
	ok &= listing_expect(what, buf, want);
	wholes = pin_summary("whole_folio_pins");
	if (wholes != wholes0) {
		ksft_print_msg("%s: after unpin whole_folio_pins %ld, want %ld\n",
			       what, wholes, wholes0);
		ok = false;
	}
out:
	gup_unpin();
	thp_free(&t);
	ok &= end_checks(what, &s, false);
	ksft_test_result(ok, "%s\n", what);
}

static void test_whole_folios(void)
{
	test_whole_folio(false, 0, nr_thp_pages - 1);
	test_whole_folio(true, 0, nr_thp_pages - 1);
	test_whole_folio(false, 1, nr_thp_pages - 2);
	test_whole_folio(true, 0, nr_thp_pages / 2 - 1);
}

/* ---------------------------------------------------------------- */
/* Case 1: boundary GUP requests, each in a child process            */

enum probe_mem { PROBE_SMALL, PROBE_THP, PROBE_HUGETLB, NR_PROBE_MEM };
static const char * const probe_mem_names[] = { "small pages", "THP", "hugetlb" };

struct probe_req {
	long size_delta;	/* added to one THP size, unless small */
	size_t small_size;	/* used when non-zero */
	unsigned int nr_per_call;
};

/* Ordered so that the requests most likely to oops come last. */
static const struct probe_req probe_reqs[] = {
	{ 0, 0, 512 },
	{ 0, 0, 1 },
	{ -100, 0, 512 },
	{ -100, 0, 1 },
	{ 0, 0, 0 },
	{ -100, 0, 0 },
	{ 0, 100, 1 },
	{ 0, 100, 0 },
};

#define NR_PROBE_REQS	ARRAY_SIZE(probe_reqs)

static char *probe_map(enum probe_mem mem)
{
	char *map, *addr;

	switch (mem) {
	case PROBE_SMALL:
		map = mmap(NULL, thpsize, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED)
			return NULL;
		madvise(map, thpsize, MADV_NOHUGEPAGE);
		memset(map, 0x33, thpsize);
		return map;
	case PROBE_THP: {
		struct thp t;
		const char *why;

		addr = thp_alloc(&t, &why);
		if (!addr)
			ksft_print_msg("probe: %s\n", why);
		return addr;
	}
	case PROBE_HUGETLB:
		map = mmap(NULL, thpsize, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (map == MAP_FAILED)
			return NULL;
		memset(map, 0x33, thpsize);
		return map;
	default:
		return NULL;
	}
}

/* Child: one request; exit 0 when the ioctl returned (0 or an errno). */
static void probe_child(enum probe_mem mem, unsigned long cmd,
			const struct probe_req *req)
{
	struct gup_test gup = { 0 };
	char *addr;
	int ret;

	/* The parent's pagemap file shows the parent's mm. */
	close(pagemap_fd);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	addr = probe_map(mem);
	if (!addr)
		_exit(2);
	gup.addr = (uintptr_t)addr;
	gup.size = req->small_size ? req->small_size : thpsize + req->size_delta;
	gup.nr_pages_per_call = req->nr_per_call;
	gup.gup_flags = FOLL_WRITE;
	ret = ioctl(gup_fd, cmd, &gup);
	ksft_print_msg("  ioctl returned %d%s%s, size now %llu\n", ret,
		       ret ? ": " : "", ret ? strerror(errno) : "",
		       (unsigned long long)gup.size);
	fflush(stdout);
	_exit(0);
}

static void test_boundary(enum probe_mem mem, unsigned long cmd,
			  const char *cmd_name, const struct probe_req *req)
{
	const char *name = probe_mem_names[mem];
	size_t size = req->small_size ? req->small_size :
		      thpsize + req->size_delta;
	struct snap s;
	bool ok = true;
	int status, waited;
	pid_t pid;

	if (mem == PROBE_HUGETLB && get_free_hugepages() < 1) {
		ksft_test_result_skip("%s %s size=%zu nr_pages_per_call=%u: no free hugetlb page\n",
				      cmd_name, name, size, req->nr_per_call);
		return;
	}
	snap_take(&s);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid)
		probe_child(mem, cmd, req);
	for (waited = 0; waited < 600; waited++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	if (waited == 600) {
		ksft_print_msg("child %d still running after 60 s (stuck in the kernel?)\n",
			       pid);
		kill(pid, SIGKILL);
		ok = false;
	} else if (WIFSIGNALED(status)) {
		ksft_print_msg("child killed by signal %d (kernel oops in the ioctl?)\n",
			       WTERMSIG(status));
		ok = false;
	} else if (WEXITSTATUS(status) == 2) {
		ksft_test_result_skip("%s %s size=%zu nr_pages_per_call=%u: cannot map it\n",
				      cmd_name, name, size, req->nr_per_call);
		return;
	} else if (WEXITSTATUS(status)) {
		ksft_print_msg("child exited with %d\n", WEXITSTATUS(status));
		ok = false;
	}
	ok &= end_checks("boundary", &s, mem == PROBE_HUGETLB);
	ksft_test_result(ok, "%s %s size=%zu nr_pages_per_call=%u: clean return, pins balanced\n",
			 cmd_name, name, size, req->nr_per_call);
}

static void test_boundaries(void)
{
	size_t r;
	int m;

	for (r = 0; r < NR_PROBE_REQS; r++) {
		for (m = 0; m < NR_PROBE_MEM; m++) {
			test_boundary(m, PIN_FAST_BENCHMARK, "PIN_FAST",
				      &probe_reqs[r]);
			test_boundary(m, GUP_FAST_BENCHMARK, "GUP_FAST",
				      &probe_reqs[r]);
		}
	}
}

/* ---------------------------------------------------------------- */

static const struct {
	const char *name;
	int nr_tests;
} cases[] = {
	{ "vfat", 1 },
	{ "ext4", 1 },
	{ "uring", 1 },
	{ "udmabuf", 3 },
	{ "rdma", 1 },
	{ "boundary", NR_PROBE_REQS * NR_PROBE_MEM * 2 },
	{ "wholefolio", 4 },
};

#define NR_CASES	ARRAY_SIZE(cases)

static void run_case(size_t c)
{
	switch (c) {
	case 0:
		test_vfat();
		break;
	case 1:
		test_ext4();
		break;
	case 2:
		test_uring();
		break;
	case 3:
		test_udmabuf(UDMABUF_SHMEM);
		test_udmabuf(UDMABUF_SHMEM_THP);
		test_udmabuf(UDMABUF_HUGETLB);
		break;
	case 4:
		test_rdma_overlap();
		break;
	case 5:
		test_boundaries();
		break;
	case 6:
		test_whole_folios();
		break;
	}
}

int main(int argc, char **argv)
{
	bool selected[NR_CASES] = { false }, any = false;
	int opt, nr_tests = 0;
	size_t c;

	while ((opt = getopt(argc, argv, "c:")) != -1) {
		if (opt != 'c')
			goto usage;
		for (c = 0; c < NR_CASES; c++)
			if (!strcmp(optarg, cases[c].name))
				break;
		if (c == NR_CASES)
			goto usage;
		selected[c] = true;
		any = true;
	}
	if (optind != argc)
		goto usage;
	for (c = 0; c < NR_CASES; c++) {
		if (!any)
			selected[c] = true;
		if (selected[c])
			nr_tests += cases[c].nr_tests;
	}

	ksft_print_header();
	ksft_set_plan(nr_tests);

	pagesize = getpagesize();
	thpsize = read_pmd_pagesize();
	if (!thpsize)
		thpsize = 2UL << 20;
	nr_thp_pages = thpsize / pagesize;
	if (nr_thp_pages > 4096)
		ksft_exit_skip("THP of %zu pages: too large for this test\n",
			       nr_thp_pages);
	gup_fd = open(GUP_TEST_FILE, O_RDWR);
	if (gup_fd < 0)
		ksft_exit_skip("%s: %s (CONFIG_GUP_TEST, debugfs)\n",
			       GUP_TEST_FILE, strerror(errno));
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0)
		ksft_exit_fail_msg("/proc/self/pagemap: %s\n", strerror(errno));
	kpageflags_fd = open("/proc/kpageflags", O_RDONLY);
	if (kpageflags_fd < 0)
		ksft_print_msg("/proc/kpageflags: %s: THPs checked by pfn contiguity only\n",
			       strerror(errno));
	tracker_on = !access(PPT_DIR "/summary", R_OK);
	ksft_print_msg("page pin tracker %s\n", tracker_on ? "on" :
		       "off (no " PPT_DIR "/summary)");

	for (c = 0; c < NR_CASES; c++)
		if (selected[c])
			run_case(c);
	ksft_finished();

usage:
	fprintf(stderr, "usage: %s [-c vfat|ext4|uring|udmabuf|rdma|boundary]...\n",
		argv[0]);
	return KSFT_FAIL;
}
