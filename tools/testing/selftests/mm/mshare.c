// SPDX-License-Identifier: GPL-2.0
/*
 * msharefs (CONFIG_MSHARE): the filesystem, mshare_info, the region size,
 * the host mm and the MSHAREFS_CREATE_MAPPING / MSHAREFS_UNMAP ioctls,
 * with every bad input and its errno from
 * Documentation/filesystems/msharefs.rst.
 *
 * Userspace cannot see a host mm. What it can see is the commit charge of
 * the shared anonymous memory mapped in it (Committed_AS): a 1 GiB
 * mapping raises it by 1 GiB, and unmapping it, or releasing the host mm,
 * lowers it again. Together with EEXIST for overlaps, this shows that the
 * ioctls, unlink, close and umount really map, unmap and free memory.
 *
 * Needs root (it mounts private msharefs instances). Skips when msharefs
 * is not in /proc/filesystems (CONFIG_MSHARE off).
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
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/io_uring.h>
#include <linux/magic.h>
#include <linux/msharefs.h>
#include <linux/userfaultfd.h>

#include "../kselftest.h"
#include "pin_util.h"
#include "../../../../mm/gup_test.h"

#define KiB	1024ULL
#define MiB	(1024 * KiB)
#define GiB	(1024 * MiB)
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE	101
#endif

/* P4D_SIZE on x86_64: the documented alignment of regions */
#define ALIGN_X86_64	(512 * GiB)
/* the documented maximum: 127 TiB (254 alignment units) */
#define MAX_UNITS	254
/* a commit charge change of at least this shows a 1 GiB (un)mapping */
#define CHARGE_SEEN	(768 * MiB)

static char root[32];
static char path[4096];
static uint64_t align;
static bool ok;

static const char *err_name(int ret, int err)
{
	return ret < 0 ? strerror(err) : "success";
}

/* ret is a syscall's result; want is 0 for success, else the errno. */
static void expect(const char *what, long ret, int want)
{
	int err = errno;

	if (want == 0 && ret >= 0)
		return;
	if (want && ret < 0 && err == want)
		return;
	ksft_print_msg("%s: got %s, want %s\n", what, err_name(ret, err),
		       want ? strerror(want) : "success");
	ok = false;
}

static const char *p(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", root, name);
	return path;
}

static long long committed(void)
{
	char line[256];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Committed_AS: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/*
 * Wait up to 5 s for the commit charge to go below limit (released memory
 * is uncharged when the last reference to its shmem file goes, which can
 * be deferred to a workqueue).
 */
static long long committed_below(long long limit)
{
	long long c = committed();
	int i;

	for (i = 0; i < 100 && c >= limit; i++) {
		usleep(50000);
		c = committed();
	}
	return c;
}

static struct mshare_create anon(uint64_t off, uint64_t size)
{
	struct mshare_create mc = {
		.region_offset = off,
		.size = size,
		.offset = 0,
		.prot = PROT_READ | PROT_WRITE,
		.flags = MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS,
		.fd = -1,
	};
	return mc;
}

static int create(int fd, struct mshare_create mc)
{
	return ioctl(fd, MSHAREFS_CREATE_MAPPING, &mc);
}

static int unmap(int fd, uint64_t off, uint64_t size)
{
	struct mshare_unmap mu = { .region_offset = off, .size = size };

	return ioctl(fd, MSHAREFS_UNMAP, &mu);
}

/* A new region of one alignment unit, open read-write. */
static int new_region(const char *name)
{
	int fd = open(p(name), O_RDWR | O_CREAT | O_EXCL, 0600);

	if (fd < 0) {
		ksft_print_msg("create %s: %s\n", name, strerror(errno));
		ok = false;
		return -1;
	}
	if (ftruncate(fd, align)) {
		ksft_print_msg("ftruncate %s: %s\n", name, strerror(errno));
		ok = false;
		close(fd);
		return -1;
	}
	return fd;
}

static void test_mount_point(void)
{
	struct statfs sf;
	struct stat st;

	if (statfs("/sys", &sf) || sf.f_type != SYSFS_MAGIC) {
		ksft_test_result_skip("/sys/fs/mshare: sysfs is not mounted on /sys\n");
		return;
	}
	ok = true;
	expect("stat /sys/fs/mshare", stat("/sys/fs/mshare", &st), 0);
	if (ok && !S_ISDIR(st.st_mode)) {
		ksft_print_msg("/sys/fs/mshare is not a directory\n");
		ok = false;
	}
	if (ok) {
		expect("mount on /sys/fs/mshare",
		       mount("none", "/sys/fs/mshare", "msharefs", 0, NULL), 0);
		if (ok) {
			expect("statfs", statfs("/sys/fs/mshare", &sf), 0);
			if (ok && sf.f_type != MSHARE_MAGIC) {
				ksft_print_msg("f_type %lx\n", (long)sf.f_type);
				ok = false;
			}
			expect("read /sys/fs/mshare/mshare_info",
			       access("/sys/fs/mshare/mshare_info", R_OK), 0);
			expect("umount", umount("/sys/fs/mshare"), 0);
		}
	}
	ksft_test_result(ok, "msharefs mounts on /sys/fs/mshare\n");
}

static void test_info(void)
{
	char buf[64] = "";
	ssize_t n;
	int fd;

	ok = true;
	fd = open(p("mshare_info"), O_RDONLY);
	expect("open mshare_info", fd, 0);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		expect("read mshare_info", n, 0);
		close(fd);
	}
	align = strtoull(buf, NULL, 10);
	if (!ok || align != ALIGN_X86_64 || strchr(buf, '\n') != buf + strlen(buf) - 1) {
		ksft_print_msg("mshare_info: \"%s\", want %llu and a newline\n",
			       buf, ALIGN_X86_64);
		ok = false;
	}
	ksft_test_result(ok, "mshare_info gives the alignment, 512 GiB\n");
}

static void test_info_readonly(void)
{
	void *addr;
	int fd;

	ok = true;
	expect("unlink mshare_info", unlink(p("mshare_info")), EPERM);
	expect("truncate mshare_info", truncate(p("mshare_info"), 0), EPERM);
	fd = open(p("mshare_info"), O_RDWR);
	expect("open mshare_info O_RDWR (root)", fd, 0);
	if (fd >= 0) {
		expect("write mshare_info", write(fd, "1\n", 2), EINVAL);
		expect("ftruncate mshare_info", ftruncate(fd, 0), EPERM);
		addr = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		expect("mmap mshare_info", addr == MAP_FAILED ? -1 : 0, ENODEV);
		close(fd);
	}
	ksft_test_result(ok, "mshare_info cannot be changed, removed or mapped\n");
}

static void test_size(void)
{
	struct stat st;
	int fd, fd2;

	ok = true;
	fd = open(p("size"), O_RDWR | O_CREAT | O_EXCL | O_TRUNC, 0600);
	expect("create with O_TRUNC", fd, 0);
	if (fd < 0)
		goto out;
	expect("fstat", fstat(fd, &st), 0);
	if (st.st_size != 0) {
		ksft_print_msg("new region size %lld\n", (long long)st.st_size);
		ok = false;
	}
	expect("ftruncate 0 (the current size)", ftruncate(fd, 0), 0);
	expect("ftruncate 4 KiB", ftruncate(fd, 4096), EINVAL);
	expect("ftruncate 2 MiB", ftruncate(fd, 2 * MiB), EINVAL);
	expect("ftruncate alignment / 2", ftruncate(fd, align / 2), EINVAL);
	expect("ftruncate alignment + 4 KiB", ftruncate(fd, align + 4096), EINVAL);
	expect("ftruncate 1.5 alignments", ftruncate(fd, align + align / 2), EINVAL);
	expect("ftruncate -1", ftruncate(fd, -1), EINVAL);
	expect("ftruncate maximum + alignment",
	       ftruncate(fd, (MAX_UNITS + 1) * align), EFBIG);
	expect("ftruncate 256 alignments", ftruncate(fd, 256 * align), EFBIG);
	fd2 = open(p("size"), O_RDONLY);
	expect("open O_RDONLY", fd2, 0);
	if (fd2 >= 0) {
		expect("ftruncate through O_RDONLY", ftruncate(fd2, align), EINVAL);
		close(fd2);
	}
	expect("fstat", fstat(fd, &st), 0);
	if (st.st_size != 0) {
		ksft_print_msg("size %lld after failed ftruncate\n", (long long)st.st_size);
		ok = false;
	}

	expect("ftruncate 1 alignment", ftruncate(fd, align), 0);
	expect("fstat", fstat(fd, &st), 0);
	if ((uint64_t)st.st_size != align) {
		ksft_print_msg("size %lld, want %llu\n", (long long)st.st_size,
			       (unsigned long long)align);
		ok = false;
	}
	expect("ftruncate same size again", ftruncate(fd, align), 0);
	expect("ftruncate 2 alignments", ftruncate(fd, 2 * align), EPERM);
	expect("ftruncate 0", ftruncate(fd, 0), EPERM);
	expect("truncate by name", truncate(p("size"), 2 * align), EPERM);
	fd2 = open(p("size"), O_RDWR | O_TRUNC);
	expect("open O_TRUNC of a sized region", fd2, EPERM);
	if (fd2 >= 0)
		close(fd2);
	fd2 = open(p("size"), O_RDONLY);
	expect("open again", fd2, 0);
	if (fd2 >= 0) {
		expect("fstat", fstat(fd2, &st), 0);
		if ((uint64_t)st.st_size != align) {
			ksft_print_msg("size seen through another fd %lld\n",
				       (long long)st.st_size);
			ok = false;
		}
		close(fd2);
	}
	close(fd);
	expect("unlink", unlink(p("size")), 0);
out:
	ksft_test_result(ok, "ftruncate sets the size once, to a multiple of the alignment\n");
}

static void test_max_size(void)
{
	struct stat st;
	int fd;

	ok = true;
	fd = open(p("max"), O_RDWR | O_CREAT | O_EXCL, 0600);
	expect("create", fd, 0);
	if (fd >= 0) {
		expect("ftruncate 127 TiB", ftruncate(fd, MAX_UNITS * align), 0);
		expect("fstat", fstat(fd, &st), 0);
		if ((uint64_t)st.st_size != MAX_UNITS * align)
			ok = false;
		/* the last page of the region can be mapped */
		expect("CREATE_MAPPING at the end",
		       create(fd, anon(MAX_UNITS * align - 4096, 4096)), 0);
		expect("CREATE_MAPPING past the end",
		       create(fd, anon(MAX_UNITS * align, 4096)), EINVAL);
		close(fd);
		expect("unlink", unlink(p("max")), 0);
	}
	ksft_test_result(ok, "the maximum size, 127 TiB, can be set and used to its end\n");
}

static void test_no_io(void)
{
	char c = 0;
	int fd;

	ok = true;
	fd = new_region("io");
	if (fd >= 0) {
		expect("fallocate", fallocate(fd, 0, 0, align), EOPNOTSUPP);
		expect("read", read(fd, &c, 1), EINVAL);
		expect("write", write(fd, &c, 1), EINVAL);
		close(fd);
		unlink(p("io"));
	}
	ksft_test_result(ok, "fallocate, read and write fail\n");
}

static void test_unsized(void)
{
	int fd;

	ok = true;
	fd = open(p("unsized"), O_RDWR | O_CREAT | O_EXCL, 0600);
	expect("create", fd, 0);
	if (fd >= 0) {
		expect("CREATE_MAPPING", create(fd, anon(0, 4096)), EINVAL);
		expect("UNMAP", unmap(fd, 0, 4096), EINVAL);
		close(fd);
		unlink(p("unsized"));
	}
	ksft_test_result(ok, "ioctls before the size is set fail with EINVAL\n");
}

static void test_create_unmap(void)
{
	long long before, mapped, after;
	int fd;

	ok = true;
	fd = new_region("map");
	if (fd < 0)
		goto out;
	before = committed();
	expect("CREATE_MAPPING 1 GiB", create(fd, anon(0, GiB)), 0);
	mapped = committed();
	if (ok && mapped - before < (long long)CHARGE_SEEN) {
		ksft_print_msg("Committed_AS %lld -> %lld after mapping 1 GiB\n",
			       before, mapped);
		ok = false;
	}
	expect("same range again", create(fd, anon(0, GiB)), EEXIST);
	expect("overlapping the middle", create(fd, anon(512 * MiB, GiB)), EEXIST);
	expect("overlapping the end by a page",
	       create(fd, anon(GiB - 4096, 8192)), EEXIST);
	expect("MAP_FIXED_NOREPLACE overlapping", ({
		struct mshare_create mc = anon(0, 4096);

		mc.flags = MAP_SHARED | MAP_FIXED_NOREPLACE | MAP_ANONYMOUS;
		create(fd, mc); }), EEXIST);
	expect("adjacent after", create(fd, anon(GiB, 2 * MiB)), 0);

	expect("UNMAP 1 GiB", unmap(fd, 0, GiB), 0);
	after = committed_below(mapped - CHARGE_SEEN);
	if (after >= mapped - (long long)CHARGE_SEEN) {
		ksft_print_msg("Committed_AS %lld -> %lld after unmapping 1 GiB\n",
			       mapped, after);
		ok = false;
	}
	expect("CREATE_MAPPING where it was", create(fd, anon(0, 2 * MiB)), 0);
	close(fd);
	unlink(p("map"));
out:
	ksft_test_result(ok, "CREATE_MAPPING maps, overlaps fail with EEXIST, UNMAP unmaps\n");
}

static void test_partial_unmap(void)
{
	int fd;

	ok = true;
	fd = new_region("split");
	if (fd >= 0) {
		expect("CREATE 4-8 MiB", create(fd, anon(4 * MiB, 4 * MiB)), 0);
		expect("UNMAP 5-6 MiB", unmap(fd, 5 * MiB, MiB), 0);
		expect("CREATE 5-6 MiB", create(fd, anon(5 * MiB, MiB)), 0);
		expect("CREATE 4-5 MiB", create(fd, anon(4 * MiB, MiB)), EEXIST);
		expect("CREATE 6-7 MiB", create(fd, anon(6 * MiB, MiB)), EEXIST);
		expect("UNMAP of nothing", unmap(fd, 100 * MiB, MiB), 0);
		expect("UNMAP all", unmap(fd, 0, align), 0);
		expect("CREATE 4-8 MiB again", create(fd, anon(4 * MiB, 4 * MiB)), 0);
		close(fd);
		unlink(p("split"));
	}
	ksft_test_result(ok, "UNMAP of part of a mapping splits it; UNMAP of nothing succeeds\n");
}

static void test_create_range_errors(void)
{
	int fd;

	ok = true;
	fd = new_region("range");
	if (fd >= 0) {
		expect("offset 1", create(fd, anon(1, 4096)), EINVAL);
		expect("offset 2 KiB", create(fd, anon(2048, 4096)), EINVAL);
		expect("size 4 KiB + 1", create(fd, anon(0, 4097)), EINVAL);
		expect("size 0", create(fd, anon(0, 0)), EINVAL);
		expect("size larger than the region",
		       create(fd, anon(0, align + 4096)), EINVAL);
		expect("ending beyond the region",
		       create(fd, anon(align - 4096, 8192)), EINVAL);
		expect("starting at the end", create(fd, anon(align, 4096)), EINVAL);
		expect("offset near 2^64", create(fd, anon(-4096ULL, 4096)), EINVAL);
		expect("size near 2^64", create(fd, anon(4096, -4096ULL)), EINVAL);
		expect("a valid range", create(fd, anon(0, 4096)), 0);
		close(fd);
		unlink(p("range"));
	}
	ksft_test_result(ok, "CREATE_MAPPING: bad ranges fail with EINVAL\n");
}

static void test_create_flag_errors(void)
{
	struct mshare_create mc;
	int fd;

	ok = true;
	fd = new_region("flags");
	if (fd < 0)
		goto out;
#define TRY(what, field, value, want) do {			\
		mc = anon(0, 4096);				\
		mc.field = (value);				\
		expect(what, create(fd, mc), want);		\
	} while (0)
	TRY("MAP_PRIVATE", flags, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, EINVAL);
	TRY("MAP_SHARED_VALIDATE", flags,
	    MAP_SHARED_VALIDATE | MAP_FIXED | MAP_ANONYMOUS, EINVAL);
	TRY("no MAP_FIXED", flags, MAP_SHARED | MAP_ANONYMOUS, EINVAL);
	TRY("MAP_POPULATE", flags,
	    MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS | MAP_POPULATE, EINVAL);
	TRY("MAP_LOCKED", flags,
	    MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS | MAP_LOCKED, EINVAL);
	TRY("MAP_NORESERVE", flags,
	    MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS | MAP_NORESERVE, EINVAL);
	TRY("unknown flag 1 << 30", flags,
	    MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS | (1U << 30), EINVAL);
	TRY("MAP_HUGETLB", flags,
	    MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS | MAP_HUGETLB, EOPNOTSUPP);
	TRY("PROT_EXEC alone", prot, PROT_EXEC, EINVAL);
	TRY("PROT_READ | PROT_EXEC", prot, PROT_READ | PROT_EXEC, EINVAL);
	TRY("unknown prot bit", prot, PROT_READ | 0x80, EINVAL);
	TRY("PROT_GROWSDOWN", prot, PROT_READ | PROT_GROWSDOWN, EINVAL);
	TRY("reserved 1", reserved, 1, EINVAL);
	TRY("reserved ~0", reserved, ~0U, EINVAL);
	/* nothing was mapped by the failures: offset 0 is still free */
	TRY("PROT_READ", prot, PROT_READ, 0);
	mc = anon(4096, 4096);
	mc.prot = PROT_NONE;
	expect("PROT_NONE", create(fd, mc), 0);
	mc = anon(12288, 4096);
	mc.flags = MAP_SHARED | MAP_FIXED_NOREPLACE | MAP_ANONYMOUS;
	expect("MAP_FIXED_NOREPLACE", create(fd, mc), 0);
#undef TRY
	close(fd);
	unlink(p("flags"));
out:
	ksft_test_result(ok, "CREATE_MAPPING: bad flags, prot, reserved: EINVAL, EOPNOTSUPP\n");
}

static void test_create_fd_errors(void)
{
	struct mshare_create mc;
	int fd, other, mfd;

	ok = true;
	fd = new_region("fds");
	other = new_region("fds2");
	mfd = memfd_create("mshare-test", 0);
	expect("memfd_create", mfd, 0);
	if (fd < 0 || other < 0 || mfd < 0)
		goto out;
	if (ftruncate(mfd, 4096))
		ok = false;
	mc = anon(0, 4096);
	mc.fd = mfd;
	expect("anonymous with an fd", create(fd, mc), EINVAL);
	mc = anon(0, 4096);
	mc.offset = 4096;
	expect("anonymous with an offset", create(fd, mc), EINVAL);
	mc = anon(0, 4096);
	mc.flags = MAP_SHARED | MAP_FIXED;
	expect("file, fd -1", create(fd, mc), EBADF);
	mc.fd = 1000000;
	expect("file, fd not open", create(fd, mc), EBADF);
	mc.fd = other;
	expect("file, another region", create(fd, mc), EINVAL);
	mc.fd = fd;
	expect("file, the region itself", create(fd, mc), EINVAL);
	mc.fd = mfd;
	expect("file, a memfd (files come later)", create(fd, mc), EOPNOTSUPP);
	expect("anonymous still works", create(fd, anon(0, 4096)), 0);
out:
	if (mfd >= 0)
		close(mfd);
	if (other >= 0)
		close(other);
	if (fd >= 0)
		close(fd);
	unlink(p("fds"));
	unlink(p("fds2"));
	ksft_test_result(ok, "CREATE_MAPPING: bad fds: EBADF, EINVAL, EOPNOTSUPP\n");
}

static void test_wrong_file(void)
{
	struct mshare_create mc = anon(0, 4096);
	struct mshare_unmap mu = { 0, 4096 };
	uint64_t small = 0;
	int fd, info, dir, mfd;

	ok = true;
	fd = new_region("wrong");
	info = open(p("mshare_info"), O_RDONLY);
	dir = open(root, O_RDONLY | O_DIRECTORY);
	mfd = memfd_create("mshare-test", 0);
	if (fd < 0 || info < 0 || dir < 0 || mfd < 0) {
		ksft_print_msg("open: %s\n", strerror(errno));
		ok = false;
		goto out;
	}
	expect("CREATE_MAPPING on mshare_info",
	       ioctl(info, MSHAREFS_CREATE_MAPPING, &mc), ENOTTY);
	expect("CREATE_MAPPING on the directory",
	       ioctl(dir, MSHAREFS_CREATE_MAPPING, &mc), ENOTTY);
	expect("CREATE_MAPPING on a memfd",
	       ioctl(mfd, MSHAREFS_CREATE_MAPPING, &mc), ENOTTY);
	expect("UNMAP on mshare_info", ioctl(info, MSHAREFS_UNMAP, &mu), ENOTTY);
	expect("UNMAP on a memfd", ioctl(mfd, MSHAREFS_UNMAP, &mu), ENOTTY);
	expect("unknown command _IO('x', 2)", ioctl(fd, _IO('x', 2)), ENOTTY);
	expect("CREATE_MAPPING's number with a wrong size",
	       ioctl(fd, _IOW('x', 0, uint64_t), &small), ENOTTY);
	expect("_IOR instead of _IOW",
	       ioctl(fd, _IOR('x', 0, struct mshare_create), &mc), ENOTTY);
out:
	if (mfd >= 0)
		close(mfd);
	if (dir >= 0)
		close(dir);
	if (info >= 0)
		close(info);
	if (fd >= 0)
		close(fd);
	unlink(p("wrong"));
	ksft_test_result(ok, "ioctls on the wrong file or with unknown numbers fail with ENOTTY\n");
}

static void test_garbage(void)
{
	void *hole;
	int fd;

	ok = true;
	hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hole != MAP_FAILED)
		munmap(hole, 4096);
	fd = new_region("garbage");
	if (fd >= 0) {
		expect("CREATE_MAPPING NULL", ioctl(fd, MSHAREFS_CREATE_MAPPING, NULL), EFAULT);
		expect("CREATE_MAPPING (void *)1",
		       ioctl(fd, MSHAREFS_CREATE_MAPPING, (void *)1), EFAULT);
		expect("CREATE_MAPPING unmapped",
		       ioctl(fd, MSHAREFS_CREATE_MAPPING, hole), EFAULT);
		expect("CREATE_MAPPING kernel address",
		       ioctl(fd, MSHAREFS_CREATE_MAPPING, (void *)-4096L), EFAULT);
		expect("UNMAP NULL", ioctl(fd, MSHAREFS_UNMAP, NULL), EFAULT);
		expect("UNMAP unmapped", ioctl(fd, MSHAREFS_UNMAP, hole), EFAULT);
		close(fd);
		unlink(p("garbage"));
	}
	ksft_test_result(ok, "ioctls with unreadable arguments fail with EFAULT\n");
}

static void test_readonly_fd(void)
{
	int fd, ro;

	ok = true;
	fd = new_region("ro");
	if (fd >= 0) {
		ro = open(p("ro"), O_RDONLY);
		expect("open O_RDONLY", ro, 0);
		if (ro >= 0) {
			expect("CREATE_MAPPING", create(ro, anon(0, 4096)), EBADF);
			expect("UNMAP", unmap(ro, 0, 4096), EBADF);
			close(ro);
		}
		expect("CREATE_MAPPING read-write", create(fd, anon(0, 4096)), 0);
		close(fd);
		unlink(p("ro"));
	}
	ksft_test_result(ok, "ioctls through a read-only descriptor fail with EBADF\n");
}

static void test_unmap_errors(void)
{
	int fd;

	ok = true;
	fd = new_region("unmap");
	if (fd >= 0) {
		expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
		expect("offset 1", unmap(fd, 1, 4096), EINVAL);
		expect("size 0", unmap(fd, 0, 0), EINVAL);
		expect("size 4 KiB + 1", unmap(fd, 0, 4097), EINVAL);
		expect("larger than the region", unmap(fd, 0, align + 4096), EINVAL);
		expect("ending beyond the region", unmap(fd, align - 4096, 8192), EINVAL);
		expect("offset near 2^64", unmap(fd, -4096ULL, 4096), EINVAL);
		expect("size near 2^64", unmap(fd, 4096, -4096ULL), EINVAL);
		/* nothing was unmapped by the failures */
		expect("mapping still there", create(fd, anon(0, 4096)), EEXIST);
		close(fd);
		unlink(p("unmap"));
	}
	ksft_test_result(ok, "UNMAP: bad ranges fail with EINVAL\n");
}

/* Map a whole region; MAP_FAILED on failure (errno set). */
static char *map_region(int fd, int prot)
{
	return mmap(NULL, align, prot, MAP_SHARED, fd, 0);
}

/*
 * Run fn(arg) in a child; return its exit status, or 128 + the signal
 * that killed it.
 */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static void expect_child(const char *what, int got, int want)
{
	if (got != want) {
		ksft_print_msg("%s: child ended with %d, want %d\n", what, got, want);
		ok = false;
	}
}

/* One access that the compiler cannot drop or merge. */
static char load(const char *addr)
{
	return __atomic_load_n(addr, __ATOMIC_RELAXED);
}

static int touch_read(void *arg)
{
	return load(arg);
}

static int touch_write(void *arg)
{
	__atomic_store_n((char *)arg, 1, __ATOMIC_RELAXED);
	return 0;
}

static void try_mmap(const char *what, int fd, uint64_t len, int prot,
		     int flags, off_t off, int want)
{
	char *addr = mmap(NULL, len, prot, flags, fd, off);

	expect(what, addr == MAP_FAILED ? -1 : 0, want);
	if (addr != MAP_FAILED)
		munmap(addr, len);
}

static void test_mmap_errors(void)
{
	char *addr, *hint;
	int fd, rofd;

	ok = true;
	fd = open(p("unsized"), O_RDWR | O_CREAT | O_EXCL, 0600);
	expect("create unsized", fd, 0);
	if (fd >= 0) {
		addr = mmap(NULL, align, PROT_READ, MAP_SHARED, fd, 0);
		expect("mmap of an unsized region", addr == MAP_FAILED ? -1 : 0, EINVAL);
		close(fd);
		unlink(p("unsized"));
	}
	fd = new_region("mmaperr");
	if (fd < 0)
		goto out;
	try_mmap("MAP_PRIVATE", fd, align, PROT_READ, MAP_PRIVATE, 0, EINVAL);
	try_mmap("length of half the region", fd, align / 2, PROT_READ, MAP_SHARED, 0, EINVAL);
	try_mmap("length of 4 KiB", fd, 4096, PROT_READ, MAP_SHARED, 0, EINVAL);
	try_mmap("length of twice the region", fd, 2 * align, PROT_READ, MAP_SHARED, 0, EINVAL);
	try_mmap("offset 4 KiB", fd, align, PROT_READ, MAP_SHARED, 4096, EINVAL);
	try_mmap("offset of the size", fd, align, PROT_READ, MAP_SHARED, align, EINVAL);
	try_mmap("PROT_EXEC", fd, align, PROT_READ | PROT_EXEC, MAP_SHARED, 0, EPERM);
	/* an aligned hole, then MAP_FIXED at an unaligned address in it */
	hint = map_region(fd, PROT_NONE);
	expect("mmap PROT_NONE", hint == MAP_FAILED ? -1 : 0, 0);
	if (hint != MAP_FAILED) {
		if ((uintptr_t)hint % align) {
			ksft_print_msg("mapped at %p, not aligned\n", hint);
			ok = false;
		}
		munmap(hint, align);
		addr = mmap(hint + 4096, align, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
		expect("MAP_FIXED unaligned", addr == MAP_FAILED ? -1 : 0, EINVAL);
		if (addr != MAP_FAILED)
			munmap(addr, align);
		/* an aligned hint is taken */
		addr = mmap(hint, align, PROT_READ, MAP_SHARED, fd, 0);
		if (addr != hint) {
			ksft_print_msg("aligned hint %p not taken: %p\n", hint, addr);
			ok = false;
		}
		if (addr != MAP_FAILED)
			munmap(addr, align);
	}
	/*
	 * A bad MAP_FIXED request over the caller's own mapping fails before
	 * mmap() unmaps anything: the mapping and its data stay.
	 */
	hint = map_region(fd, PROT_NONE);
	if (hint != MAP_FAILED) {
		munmap(hint, align);
		addr = mmap(hint, align, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
			    -1, 0);
		expect("anonymous mapping in the hole", addr == hint ? 0 : -1, 0);
		if (addr == hint) {
			hint[0] = 0x42;
			hint[align - 4096] = 0x42;
			addr = mmap(hint, align / 2, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
			expect("MAP_FIXED, half the length, over a mapping",
			       addr == MAP_FAILED ? -1 : 0, EINVAL);
			addr = mmap(hint + 4096, align, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
			expect("MAP_FIXED, unaligned, over a mapping",
			       addr == MAP_FAILED ? -1 : 0, EINVAL);
			addr = mmap(hint, align, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
			expect("MAP_FIXED, MAP_PRIVATE, over a mapping",
			       addr == MAP_FAILED ? -1 : 0, EINVAL);
			addr = mmap(hint, align, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 4096);
			expect("MAP_FIXED, offset 4 KiB, over a mapping",
			       addr == MAP_FAILED ? -1 : 0, EINVAL);
			/* a child reads first: the parent must not fault */
			if (in_child(touch_read, hint) != 0x42 ||
			    in_child(touch_read, hint + align - 4096) != 0x42) {
				ksft_print_msg("a refused MAP_FIXED unmapped\n");
				ok = false;
			}
			munmap(hint, align);
		}
	}
	rofd = open(p("mmaperr"), O_RDONLY);
	expect("open O_RDONLY", rofd, 0);
	if (rofd >= 0) {
		addr = mmap(NULL, align, PROT_READ | PROT_WRITE, MAP_SHARED, rofd, 0);
		expect("PROT_WRITE through a read-only fd",
		       addr == MAP_FAILED ? -1 : 0, EACCES);
		if (addr != MAP_FAILED)
			munmap(addr, align);
		close(rofd);
	}
	close(fd);
	unlink(p("mmaperr"));
out:
	ksft_test_result(ok, "mmap: bad type, length, offset, address: %s; PROT_EXEC: EPERM\n",
			 "EINVAL, unmapping nothing");
}

struct share_arg {
	const char *name;
	int page;	/* read page - 1's byte, write this page */
	char val;
};

/* An independent process: open the region by name, map it, read, write. */
static int sharer(void *varg)
{
	struct share_arg *a = varg;
	char *m;
	int fd;

	fd = open(p(a->name), O_RDWR);
	if (fd < 0)
		return 10;
	m = map_region(fd, PROT_READ | PROT_WRITE);
	close(fd);
	if (m == MAP_FAILED)
		return 11;
	if ((uintptr_t)m % align)
		return 12;
	if (m[(a->page - 1) * 4096] != a->val - 1)
		return 13;
	m[a->page * 4096] = a->val;
	return munmap(m, align) ? 14 : 0;
}

static void test_share(void)
{
	struct share_arg a = { .name = "share" };
	char *m;
	int fd, i;

	ok = true;
	fd = new_region("share");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING 2 MiB", create(fd, anon(0, 2 * MiB)), 0);
	expect("CREATE_MAPPING 2 MiB at 1 GiB + 4 KiB", create(fd, anon(GiB + 4096, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	expect("mmap", m == MAP_FAILED ? -1 : 0, 0);
	if (m == MAP_FAILED)
		goto close;
	m[0] = 1;
	/* three more processes, each sees the last one's write and writes */
	for (i = 1; i <= 3; i++) {
		a.page = i;
		a.val = i + 1;
		expect_child("sharer", in_child(sharer, &a), 0);
	}
	if (m[3 * 4096] != 4) {
		ksft_print_msg("the last sharer's write is not seen: %d\n", m[3 * 4096]);
		ok = false;
	}
	*(m + GiB + 4096) = 5;
	if (load(m + GiB + 4096) != 5 || load(m + 2 * MiB - 1) != 0)
		ok = false;
	/* nothing mapped in the host there: SIGSEGV */
	expect_child("read at 4 MiB", in_child(touch_read, m + 4 * MiB), 128 + SIGSEGV);
	expect_child("read at 1 GiB", in_child(touch_read, m + GiB), 128 + SIGSEGV);
	expect_child("read at the end", in_child(touch_read, m + align - 1), 128 + SIGSEGV);
	expect("munmap", munmap(m, align), 0);
	/* the region keeps its content without any mapping */
	m = map_region(fd, PROT_READ);
	if (m == MAP_FAILED || m[0] != 1 || m[3 * 4096] != 4 || load(m + GiB + 4096) != 5) {
		ksft_print_msg("content lost after munmap\n");
		ok = false;
	}
	if (m != MAP_FAILED)
		munmap(m, align);
close:
	close(fd);
	unlink(p("share"));
out:
	ksft_test_result(ok, "four processes share a region; holes SIGSEGV; content stays\n");
}

static int fork_child(void *arg)
{
	char *m = arg;

	if (m[0] != 7)
		return 1;
	m[4096] = 8;
	return 0;
}

static void test_fork(void)
{
	char *m = MAP_FAILED;
	int fd;

	ok = true;
	fd = new_region("fork");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	expect("mmap", m == MAP_FAILED ? -1 : 0, 0);
	if (m != MAP_FAILED) {
		m[0] = 7;
		expect_child("child of a sharer", in_child(fork_child, m), 0);
		if (m[4096] != 8) {
			ksft_print_msg("the child's write is not seen\n");
			ok = false;
		}
		expect("MADV_DONTFORK", madvise(m, align, MADV_DONTFORK), 0);
		expect_child("child without the mapping", in_child(touch_read, m),
			     128 + SIGSEGV);
		munmap(m, align);
	}
	close(fd);
	unlink(p("fork"));
out:
	ksft_test_result(ok, "fork: the child shares the region; MADV_DONTFORK keeps it out\n");
}

static void test_readonly_sharer(void)
{
	char *m, *r;
	int fd, rofd;

	ok = true;
	fd = new_region("ro");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	rofd = open(p("ro"), O_RDONLY);
	r = rofd < 0 ? MAP_FAILED : map_region(rofd, PROT_READ);
	expect("mmap read-only", r == MAP_FAILED ? -1 : 0, 0);
	if (m != MAP_FAILED && r != MAP_FAILED) {
		m[0] = 3;
		if (r[0] != 3)
			ok = false;
		/* the page is mapped writable in the host: still refused */
		expect_child("write through PROT_READ", in_child(touch_write, r),
			     128 + SIGSEGV);
		expect_child("write through PROT_READ, new page",
			     in_child(touch_write, r + MiB), 128 + SIGSEGV);
		if (m[0] != 3 || load(m + MiB) != 0)
			ok = false;
	}
	if (r != MAP_FAILED)
		munmap(r, align);
	if (rofd >= 0)
		close(rofd);
	/* a read-only host mapping refuses writes through a writable sharer */
	expect("CREATE_MAPPING PROT_READ", create(fd, (struct mshare_create){
		.region_offset = 4 * MiB, .size = 2 * MiB, .prot = PROT_READ,
		.flags = MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS, .fd = -1 }), 0);
	if (m != MAP_FAILED) {
		expect_child("read of a PROT_READ host mapping",
			     in_child(touch_read, m + 4 * MiB), 0);
		expect_child("write to a PROT_READ host mapping",
			     in_child(touch_write, m + 4 * MiB), 128 + SIGSEGV);
		munmap(m, align);
	}
	close(fd);
	unlink(p("ro"));
out:
	ksft_test_result(ok, "writes through PROT_READ or to PROT_READ host mappings: SIGSEGV\n");
}

/*
 * A child maps the region and caches a translation; the parent unmaps and
 * maps the range again in the host. The child must see the new, zeroed
 * page: a stale TLB entry would show the old data.
 */
static void test_host_unmap(void)
{
	int to_child[2], to_parent[2], status, fd;
	char c = 0, *m;
	pid_t pid;

	ok = true;
	fd = new_region("hostunmap");
	if (fd < 0 || pipe(to_child) || pipe(to_parent))
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	pid = fork();
	if (!pid) {
		m = map_region(fd, PROT_READ | PROT_WRITE);
		if (m == MAP_FAILED)
			_exit(1);
		m[0] = 9;
		/* spin, reading, so that the translation stays cached */
		if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(2);
		if (load(m) != 0)
			_exit(3);
		if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(4);
		/* unmapped in the host: SIGSEGV */
		load(m);
		_exit(5);
	}
	if (read(to_parent[0], &c, 1) != 1)
		ok = false;
	expect("UNMAP", unmap(fd, 0, 2 * MiB), 0);
	expect("CREATE_MAPPING again", create(fd, anon(0, 2 * MiB)), 0);
	if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1)
		ok = false;
	expect("UNMAP", unmap(fd, 0, 2 * MiB), 0);
	if (write(to_child[1], &c, 1) != 1)
		ok = false;
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV) {
		ksft_print_msg("child: status %#x (3: stale data after UNMAP)\n", status);
		ok = false;
	}
out:
	if (fd >= 0)
		close(fd);
	unlink(p("hostunmap"));
	ksft_test_result(ok, "host UNMAP is seen at once by a sharer that cached the page\n");
}

static void test_munmap(void)
{
	char *m;
	int fd;

	ok = true;
	fd = new_region("munmap");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m != MAP_FAILED) {
		m[0] = 1;
		expect("munmap of part", munmap(m, 2 * MiB), EINVAL);
		expect("munmap of the tail", munmap(m + align - 4096, 4096), EINVAL);
		expect("MAP_FIXED over part",
		       mmap(m, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			    -1, 0) == MAP_FAILED ? -1 : 0, EINVAL);
		if (m[0] != 1)
			ok = false;
		expect("munmap of all", munmap(m, align), 0);
		expect_child("access after munmap", in_child(touch_read, m),
			     128 + SIGSEGV);
	}
	close(fd);
	unlink(p("munmap"));
out:
	ksft_test_result(ok, "munmap: part of a region EINVAL, the whole region unmaps\n");
}

static int writer(void *arg)
{
	char val = (char)(uintptr_t)arg;
	char *m;
	int fd, i;

	fd = open(p("pins"), O_RDWR);
	if (fd < 0)
		return 10;
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED)
		return 11;
	for (i = 0; i < 16; i++)
		m[i * 4096] = val;
	return 0;
}

/* gup_test's debugfs file, or -1 after reporting @what as skipped. */
static int gup_test_open(const char *what)
{
	int gfd = open("/sys/kernel/debug/gup_test", O_RDWR);

	if (gfd < 0)
		ksft_test_result_skip("%s: no gup_test: %s\n", what, strerror(errno));
	return gfd;
}

static int pin(int gfd, void *addr, size_t size, unsigned int flags)
{
	struct pin_longterm_test pt = {
		.addr = (uintptr_t)addr, .size = size, .flags = flags,
	};

	return ioctl(gfd, PIN_LONGTERM_TEST_START, &pt);
}

/* Are the first bytes of the 16 pinned pages val, as the device sees them? */
static bool device_sees(int gfd, char val)
{
	static char buf[16 * 4096];
	uint64_t ubuf = (uintptr_t)buf;
	int i;

	memset(buf, 0, sizeof(buf));
	if (ioctl(gfd, PIN_LONGTERM_TEST_READ, &ubuf)) {
		ksft_print_msg("PIN_LONGTERM_TEST_READ: %s\n", strerror(errno));
		return false;
	}
	for (i = 0; i < 16; i++)
		if (buf[i * 4096] != val) {
			ksft_print_msg("device sees %d at page %d, want %d\n",
				       buf[i * 4096], i, val);
			return false;
		}
	return true;
}

/*
 * Have foll_pin acquired and released moved by the same amount since acq
 * and rel, with at least @min acquired? Waits up to 2 s for releases
 * deferred past a process's exit.
 */
static bool pins_balance(long acq, long rel, long min)
{
	long acq2 = 0, rel2 = 0;
	int i;

	for (i = 0; i < 20; i++) {
		acq2 = pin_vmstat("nr_foll_pin_acquired");
		rel2 = pin_vmstat("nr_foll_pin_released");
		if (acq2 - acq == rel2 - rel)
			break;
		usleep(100000);
	}
	if (acq2 - acq == rel2 - rel && acq2 - acq >= min)
		return true;
	ksft_print_msg("foll_pin: %ld acquired, %ld released (at least %ld)\n",
		       acq2 - acq, rel2 - rel, min);
	return false;
}

/*
 * GUP through a sharer (gup_test's long-term pin, the fake device): pins
 * of untouched memory succeed, slow and fast; the device sees writes of
 * another sharer, and the sharers see the device's; pins outlive UNMAP;
 * writable pins through a read-only mapping and pins of holes fail with
 * EFAULT; pins and unpins balance.
 */
static void test_pins(void)
{
	long acq, rel;
	static char buf[16 * 4096];
	uint64_t ubuf = (uintptr_t)buf;
	int fd, gfd, rofd = -1, i;
	char *m = MAP_FAILED, *r;

	ok = true;
	gfd = gup_test_open("GUP through a sharer");
	if (gfd < 0)
		return;
	acq = pin_vmstat("nr_foll_pin_acquired");
	rel = pin_vmstat("nr_foll_pin_released");
	fd = new_region("pins");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING 0", create(fd, anon(0, 2 * MiB)), 0);
	expect("CREATE_MAPPING 4 MiB", create(fd, anon(4 * MiB, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		ok = false;
		goto close;
	}
	/* untouched: the slot is not even linked yet */
	expect("pin untouched (slow, write)",
	       pin(gfd, m, 16 * 4096, PIN_LONGTERM_TEST_FLAG_USE_WRITE), 0);
	expect_child("another sharer writes", in_child(writer, (void *)0x5a), 0);
	ok &= device_sees(gfd, 0x5a);
	memset(buf, 0x6b, sizeof(buf));
	expect("device writes", ioctl(gfd, PIN_LONGTERM_TEST_WRITE, &ubuf), 0);
	for (i = 0; i < 16; i++)
		if (m[i * 4096] != 0x6b) {
			ksft_print_msg("the device's write is not seen at page %d\n", i);
			ok = false;
			break;
		}
	/* UNMAP while pinned: the pages stay with the pin, unmapped */
	expect("UNMAP while pinned", unmap(fd, 0, 2 * MiB), 0);
	expect_child("access after UNMAP", in_child(touch_read, m), 128 + SIGSEGV);
	ok &= device_sees(gfd, 0x6b);
	expect("unpin", ioctl(gfd, PIN_LONGTERM_TEST_STOP), 0);

	expect("pin untouched (fast, write)",
	       pin(gfd, m + 4 * MiB, 16 * 4096,
		   PIN_LONGTERM_TEST_FLAG_USE_WRITE | PIN_LONGTERM_TEST_FLAG_USE_FAST), 0);
	for (i = 0; i < 16; i++)
		*(m + 4 * MiB + i * 4096) = 0x11;
	ok &= device_sees(gfd, 0x11);
	expect("unpin", ioctl(gfd, PIN_LONGTERM_TEST_STOP), 0);
	expect("pin present (fast, read)",
	       pin(gfd, m + 4 * MiB, 16 * 4096, PIN_LONGTERM_TEST_FLAG_USE_FAST), 0);
	ok &= device_sees(gfd, 0x11);
	expect("unpin", ioctl(gfd, PIN_LONGTERM_TEST_STOP), 0);

	expect("pin of a hole", pin(gfd, m + 8 * MiB, 4096, 0), EFAULT);
	expect("pin of an UNMAPped range", pin(gfd, m, 4096, 0), EFAULT);
	rofd = open(p("pins"), O_RDONLY);
	r = rofd < 0 ? MAP_FAILED : map_region(rofd, PROT_READ);
	expect("mmap read-only", r == MAP_FAILED ? -1 : 0, 0);
	if (r != MAP_FAILED) {
		expect("writable pin through PROT_READ (slow)",
		       pin(gfd, r + 4 * MiB, 4096, PIN_LONGTERM_TEST_FLAG_USE_WRITE),
		       EFAULT);
		expect("writable pin through PROT_READ (fast)",
		       pin(gfd, r + 4 * MiB, 4096, PIN_LONGTERM_TEST_FLAG_USE_WRITE |
			   PIN_LONGTERM_TEST_FLAG_USE_FAST), EFAULT);
		expect("read pin through PROT_READ", pin(gfd, r + 4 * MiB, 16 * 4096, 0), 0);
		ok &= device_sees(gfd, 0x11);
		expect("unpin", ioctl(gfd, PIN_LONGTERM_TEST_STOP), 0);
		munmap(r, align);
	}
	/* a pin held across munmap, unlink and close releases at unpin */
	expect("pin, then let go of the region", pin(gfd, m + 4 * MiB, 16 * 4096, 0), 0);
close:
	if (m != MAP_FAILED)
		munmap(m, align);
	if (rofd >= 0)
		close(rofd);
	close(fd);
	unlink(p("pins"));
	ok &= device_sees(gfd, 0x11);
	expect("unpin", ioctl(gfd, PIN_LONGTERM_TEST_STOP), 0);
out:
	close(gfd);
	ok &= pins_balance(acq, rel, 1);
	ksft_test_result(ok, "GUP through a sharer: %s\n",
			 "pin untouched memory, the device sees sharers, EFAULT, balanced");
}

/* The pfn /proc/self/pagemap gives for addr (root), or 0 if none. */
static uint64_t pfn_of(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (uintptr_t)addr / 4096 * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	return (e & (1ULL << 63)) ? e & ((1ULL << 55) - 1) : 0;
}

/* Another sharer of "mf": page 3 must hold 0x33; it writes 0x44 there. */
static int mf_sharer(void *arg)
{
	int fd = open(p("mf"), O_RDWR);
	char *m;

	if (fd < 0)
		return 10;
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED)
		return 11;
	if (load(m + 3 * 4096) != 0x33)
		return 12;
	m[3 * 4096] = 0x44;
	return 0;
}

/* Another sharer of "mf": maps it and reads the byte at offset arg. */
static int mf_reader(void *arg)
{
	int fd = open(p("mf"), O_RDONLY);
	char *m;

	if (fd < 0)
		return 10;
	m = map_region(fd, PROT_READ);
	if (m == MAP_FAILED)
		return 11;
	load(m + (uintptr_t)arg);
	return 0;
}

/*
 * Memory failure in a region (MADV_SOFT_OFFLINE, MADV_HWPOISON; root,
 * CONFIG_MEMORY_FAILURE). Both look up the page through the caller's
 * mapping (GUP, in the host mm) and act on the host's mapping of it,
 * which every sharer uses:
 * - soft offline migrates the page: a new pfn, the same content, still
 *   shared both ways; a page held by a long-term pin is not migrated
 *   (EBUSY) and the device keeps seeing it;
 * - hwpoison unmaps the page from the host: every sharer gets SIGBUS on
 *   it, a pin of it fails with EFAULT, the other pages are untouched,
 *   and UNMAP and the release of the region take the poisoned entry.
 * No warning; pins balance. Each run loses one page to the poison.
 */
static void test_memory_failure(void)
{
	static char buf[16 * 4096];
	uint64_t ubuf = (uintptr_t)buf;
	long acq, rel;
	uint64_t pfn, pfn2;
	int fd, gfd, i;
	char *m;

	ok = true;
	gfd = gup_test_open("memory failure in a region");
	if (gfd < 0)
		return;
	acq = pin_vmstat("nr_foll_pin_acquired");
	rel = pin_vmstat("nr_foll_pin_released");
	fd = new_region("mf");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		ok = false;
		goto close;
	}
	for (i = 0; i < 32; i++)
		m[i * 4096] = 0x30 + i;
	pfn = pfn_of(m + 4096);
	i = madvise(m + 4096, 4096, MADV_SOFT_OFFLINE);
	if (i && errno == EINVAL) {
		ksft_test_result_skip("memory failure in a region: %s\n",
				      "no MADV_SOFT_OFFLINE (CONFIG_MEMORY_FAILURE=n)");
		munmap(m, align);
		close(fd);
		unlink(p("mf"));
		close(gfd);
		return;
	}
	expect("MADV_SOFT_OFFLINE", i, 0);
	pfn2 = pfn_of(m + 4096);
	if (!pfn || !pfn2 || pfn == pfn2) {
		ksft_print_msg("soft offline: pfn %#llx before, %#llx after\n",
			       (unsigned long long)pfn, (unsigned long long)pfn2);
		ok = false;
	}
	if (load(m + 4096) != 0x31 || load(m) != 0x30) {
		ksft_print_msg("soft offline changed the content\n");
		ok = false;
	}
	expect_child("a sharer after soft offline", in_child(mf_sharer, NULL), 0);
	if (load(m + 3 * 4096) != 0x44) {
		ksft_print_msg("the sharer's write is not seen after soft offline\n");
		ok = false;
	}

	/* pinned: not migrated, the device keeps the page */
	expect("pin 16 pages", pin(gfd, m + 16 * 4096, 16 * 4096,
				   PIN_LONGTERM_TEST_FLAG_USE_WRITE), 0);
	pfn = pfn_of(m + 20 * 4096);
	expect("MADV_SOFT_OFFLINE of a pinned page",
	       madvise(m + 20 * 4096, 4096, MADV_SOFT_OFFLINE), EBUSY);
	if (pfn_of(m + 20 * 4096) != pfn) {
		ksft_print_msg("a pinned page moved\n");
		ok = false;
	}
	m[20 * 4096] = 0x55;
	memset(buf, 0, sizeof(buf));
	expect("device reads", ioctl(gfd, PIN_LONGTERM_TEST_READ, &ubuf), 0);
	if (buf[4 * 4096] != 0x55 || buf[0] != 0x30 + 16) {
		ksft_print_msg("the device sees %#x, %#x\n", buf[4 * 4096], buf[0]);
		ok = false;
	}
	expect("unpin", ioctl(gfd, PIN_LONGTERM_TEST_STOP), 0);

	/* hwpoison of page 2: SIGBUS in every sharer, the rest stays */
	expect("MADV_HWPOISON", madvise(m + 2 * 4096, 4096, MADV_HWPOISON), 0);
	expect_child("read of the poisoned page", in_child(touch_read, m + 2 * 4096),
		     128 + SIGBUS);
	expect_child("write of the poisoned page", in_child(touch_write, m + 2 * 4096),
		     128 + SIGBUS);
	expect_child("another sharer reads the poisoned page",
		     in_child(mf_reader, (void *)(2 * 4096)), 128 + SIGBUS);
	m[3 * 4096] = 0x33;
	expect_child("another page after hwpoison", in_child(mf_sharer, NULL), 0);
	expect("pin of the poisoned page", pin(gfd, m + 2 * 4096, 4096, 0), EFAULT);
	expect("pin of the poisoned page (fast)",
	       pin(gfd, m, 4 * 4096, PIN_LONGTERM_TEST_FLAG_USE_FAST), EFAULT);
	if (load(m + 5 * 4096) != 0x35) {
		ksft_print_msg("a page next to the poisoned one changed\n");
		ok = false;
	}
	expect("UNMAP over the poisoned page", unmap(fd, 0, 2 * MiB), 0);
	expect_child("access after UNMAP", in_child(touch_read, m + 2 * 4096),
		     128 + SIGSEGV);
	expect("CREATE_MAPPING again", create(fd, anon(0, 2 * MiB)), 0);
	if (load(m + 2 * 4096) != 0) {
		ksft_print_msg("new memory is not zero\n");
		ok = false;
	}
	munmap(m, align);
close:
	close(fd);
	unlink(p("mf"));
out:
	close(gfd);
	ok &= pins_balance(acq, rel, 1);
	ksft_test_result(ok, "memory failure in a region: %s\n",
			 "soft offline moves it (not pinned), hwpoison SIGBUS everywhere");
}

/* ---- allocation failures (fault injection) --------------------------- */

/* Give up on a call that still succeeds after this many failures. */
#define FI_MAX_NTH	300

/* One round's call failed: was it with ENOMEM? */
static void expect_enomem(const char *what, unsigned int n, int err)
{
	if (err != ENOMEM) {
		ksft_print_msg("%s, allocation %u failing: %s, want ENOMEM\n",
			       what, n, strerror(err));
		ok = false;
	}
}

/* Map the region at fd, write val at offset off, read it back: works? */
static bool region_works(int fd, uint64_t off, char val)
{
	char *m = map_region(fd, PROT_READ | PROT_WRITE);
	bool good;

	if (m == MAP_FAILED)
		return false;
	m[off] = val;
	good = load(m + off) == val;
	munmap(m, align);
	return good;
}

/*
 * Creating a region (open(O_CREAT) and ftruncate(): the inode, the
 * region, the host mm, its page tables and mmu notifier) with its 1st,
 * 2nd, ... allocation failing in turn (slab and page allocator), until
 * the calls see no failure: each fails with ENOMEM or succeeds, and
 * nothing is left half made: a failed open() leaves no name, a failed
 * ftruncate() leaves the region unsized and can be repeated, and the
 * region then works.
 */
static void test_fi_create(const char *why)
{
	unsigned int n, failed = 0, open_err = 0, size_err = 0;
	bool fired = true;
	struct stat st;
	int fd, err;

	ok = true;
	if (why) {
		ksft_test_result_skip("allocation failures: creating a region: %s\n", why);
		return;
	}
	for (n = 1; n <= FI_MAX_NTH && fired && ok; n++) {
		if (pin_fi_set(n)) {
			ok = false;
			break;
		}
		fd = open(p("fi"), O_RDWR | O_CREAT | O_EXCL, 0600);
		err = fd < 0 ? errno : 0;
		if (fd >= 0 && ftruncate(fd, align))
			err = errno;
		fired = pin_fi_fired();
		failed += fired;
		if (fd < 0) {
			open_err++;
			expect_enomem("open(O_CREAT)", n, err);
			expect("no name after a failed open", stat(p("fi"), &st), ENOENT);
			continue;
		}
		if (err) {
			size_err++;
			expect_enomem("ftruncate", n, err);
			if (fstat(fd, &st) || st.st_size) {
				ksft_print_msg("round %u: size %lld after a failed ftruncate\n",
					       n, (long long)st.st_size);
				ok = false;
			}
			expect("ftruncate again", ftruncate(fd, align), 0);
		}
		expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
		if (!region_works(fd, 4096 * (n % 512), n)) {
			ksft_print_msg("round %u: the region does not work\n", n);
			ok = false;
		}
		close(fd);
		expect("unlink", unlink(p("fi")), 0);
	}
	if (ok && fired) {
		ksft_print_msg("still an allocation failing at the %uth\n", FI_MAX_NTH);
		ok = false;
	}
	ksft_print_msg("%u allocations failed in turn: open ENOMEM %u, ftruncate ENOMEM %u\n",
		       failed, open_err, size_err);
	ksft_test_result(ok && failed, "allocation failures: creating a region: %s\n",
			 "ENOMEM, nothing half made");
}

/*
 * mmap() of a region with its 1st, 2nd, ... allocation failing in turn:
 * ENOMEM with nothing mapped, or a mapping that works.
 */
static void test_fi_mmap(const char *why)
{
	unsigned int n, failed = 0, nomem = 0;
	bool fired = true;
	size_t off;
	char *m;
	int fd, err;

	ok = true;
	if (why) {
		ksft_test_result_skip("allocation failures: mmap of a region: %s\n", why);
		return;
	}
	fd = new_region("fi");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	for (n = 1; n <= FI_MAX_NTH && fired && ok; n++) {
		if (pin_fi_set(n)) {
			ok = false;
			break;
		}
		m = map_region(fd, PROT_READ | PROT_WRITE);
		err = m == MAP_FAILED ? errno : 0;
		fired = pin_fi_fired();
		failed += fired;
		if (err) {
			nomem++;
			expect_enomem("mmap", n, err);
			continue;
		}
		off = n % 512 * 4096;
		m[off] = n;
		if (load(m + off) != (char)n) {
			ksft_print_msg("round %u: the mapping does not work\n", n);
			ok = false;
		}
		munmap(m, align);
	}
	if (ok && fired) {
		ksft_print_msg("still an allocation failing at the %uth\n", FI_MAX_NTH);
		ok = false;
	}
	ksft_print_msg("%u allocations failed in turn: mmap ENOMEM %u\n", failed, nomem);
	close(fd);
	unlink(p("fi"));
out:
	ksft_test_result(ok && failed, "allocation failures: mmap of a region: %s\n",
			 "ENOMEM or a working mapping");
}

/*
 * A long-term pin (gup_test) of 16 untouched pages through a sharer,
 * slow and fast, with its 1st, 2nd, ... allocation failing in turn: the
 * faults run in the host mm, so this covers the host's page tables and
 * pages. ENOMEM with nothing pinned, or 16 pinned pages that the device
 * and the sharer see the same. Every round starts from untouched memory
 * (UNMAP and CREATE_MAPPING again). Pins balance.
 */
static void test_fi_pins(const char *why)
{
	static char buf[16 * 4096];
	uint64_t ubuf = (uintptr_t)buf;
	unsigned int n, failed = 0, nomem = 0, fast;
	long acq, rel;
	bool fired;
	int fd, gfd, err, i;
	char *m = MAP_FAILED;

	ok = true;
	if (why) {
		ksft_test_result_skip("allocation failures: pins through a sharer: %s\n", why);
		return;
	}
	gfd = gup_test_open("allocation failures: pins through a sharer");
	if (gfd < 0)
		return;
	acq = pin_vmstat("nr_foll_pin_acquired");
	rel = pin_vmstat("nr_foll_pin_released");
	fd = new_region("fi");
	if (fd < 0)
		goto out;
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		ok = false;
		goto close;
	}
	for (fast = 0; fast < 2 && ok; fast++) {
		fired = true;
		for (n = 1; n <= FI_MAX_NTH && fired && ok; n++) {
			unmap(fd, 0, 2 * MiB);
			expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
			if (pin_fi_set(n)) {
				ok = false;
				break;
			}
			err = pin(gfd, m, 16 * 4096, PIN_LONGTERM_TEST_FLAG_USE_WRITE |
				  (fast ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0)) ? errno : 0;
			fired = pin_fi_fired();
			failed += fired;
			if (err) {
				nomem++;
				expect_enomem(fast ? "pin (fast)" : "pin (slow)", n, err);
				continue;
			}
			for (i = 0; i < 16; i++)
				m[i * 4096] = n + i;
			memset(buf, 0, sizeof(buf));
			expect("device reads", ioctl(gfd, PIN_LONGTERM_TEST_READ, &ubuf), 0);
			for (i = 0; i < 16; i++)
				if (buf[i * 4096] != (char)(n + i)) {
					ksft_print_msg("round %u: the device sees %d at page %d\n",
						       n, buf[i * 4096], i);
					ok = false;
					break;
				}
			expect("unpin", ioctl(gfd, PIN_LONGTERM_TEST_STOP), 0);
		}
		if (ok && fired) {
			ksft_print_msg("still an allocation failing at the %uth\n", FI_MAX_NTH);
			ok = false;
		}
	}
	ksft_print_msg("%u allocations failed in turn: pin ENOMEM %u\n", failed, nomem);
	munmap(m, align);
close:
	close(fd);
	unlink(p("fi"));
out:
	close(gfd);
	ok &= pins_balance(acq, rel, 1);
	ksft_test_result(ok && failed, "allocation failures: pins through a sharer: %s\n",
			 "ENOMEM or pinned, balanced");
}

static void test_fault_injection(void)
{
	const char *why = pin_fi_setup(1);

	test_fi_create(why);
	test_fi_mmap(why);
	test_fi_pins(why);
	pin_fi_restore();
}

/* A process that pins 16 pages of the "pins2" region and exits, pinned. */
static int pinner(void *arg)
{
	int fd, gfd;
	char *m;

	gfd = open("/sys/kernel/debug/gup_test", O_RDWR);
	fd = open(p("pins2"), O_RDWR);
	if (gfd < 0 || fd < 0)
		return 10;
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED)
		return 11;
	if (pin(gfd, m, 16 * 4096, PIN_LONGTERM_TEST_FLAG_USE_WRITE))
		return 12;
	return 0;	/* exits holding the pins: closing gup_test unpins */
}

/* The creator of "pins2": maps and writes it, and exits. */
static int creator(void *arg)
{
	char *m;
	int fd, i;

	fd = open(p("pins2"), O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, align) || create(fd, anon(0, 2 * MiB)))
		return 1;
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED)
		return 2;
	for (i = 0; i < 16; i++)
		m[i * 4096] = 0x22;
	return 0;
}

/*
 * The pinner exits with its pins held: they are released. The creator
 * exits while another process holds pins: nothing changes, the pinned
 * pages stay mapped and shared. Pins and unpins balance.
 */
static void test_pin_exits(void)
{
	long acq, rel;
	int fd, gfd, i;
	char *m;

	ok = true;
	gfd = gup_test_open("pins and exits");
	if (gfd < 0)
		return;
	acq = pin_vmstat("nr_foll_pin_acquired");
	rel = pin_vmstat("nr_foll_pin_released");
	expect_child("creator", in_child(creator, NULL), 0);
	expect_child("pinner exits pinned", in_child(pinner, NULL), 0);
	fd = open(p("pins2"), O_RDWR);
	expect("open", fd, 0);
	m = fd < 0 ? MAP_FAILED : map_region(fd, PROT_READ | PROT_WRITE);
	if (m != MAP_FAILED) {
		expect("pin", pin(gfd, m, 16 * 4096, 0), 0);
		ok &= device_sees(gfd, 0x22);
		for (i = 0; i < 16; i++)
			m[i * 4096] = 0x33;
		ok &= device_sees(gfd, 0x33);
		expect("unpin", ioctl(gfd, PIN_LONGTERM_TEST_STOP), 0);
		munmap(m, align);
	} else {
		ok = false;
	}
	if (fd >= 0)
		close(fd);
	unlink(p("pins2"));
	close(gfd);
	ok &= pins_balance(acq, rel, 32);
	ksft_test_result(ok, "pins: %s\n",
			 "the pinner's exit unpins, the creator's exit changes nothing");
}

/* A "Key:   N kB" line of /proc/self/status, in kB; -1 if missing. */
static long status_kb(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':') {
			kb = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* VmPin of this process, waiting up to 2 s for it to become want. */
static bool vmpin_is(long want)
{
	long kb = status_kb("VmPin");
	int i;

	for (i = 0; i < 40 && kb != want; i++) {
		usleep(50000);
		kb = status_kb("VmPin");
	}
	return kb == want;
}

/* pinned_pages and longterm_pages of @pid's owner line in the summary. */
static long tracker_owner_pages(pid_t pid, long *longterm)
{
	char line[256], want[32];
	long pages = 0;
	FILE *f;

	*longterm = 0;
	snprintf(want, sizeof(want), "owner pid=%d ", pid);
	f = fopen(PPT_DIR "/summary", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *s;

		if (strncmp(line, want, strlen(want)))
			continue;
		s = strstr(line, "pinned_pages=");
		if (s)
			pages = strtol(s + 13, NULL, 10);
		s = strstr(line, "longterm_pages=");
		if (s)
			*longterm = strtol(s + 15, NULL, 10);
	}
	fclose(f);
	return pages;
}

/* An io_uring with [addr, addr + len) registered as a fixed buffer. */
static int uring_buffer(void *addr, size_t len)
{
	struct io_uring_params params = { 0 };
	struct iovec iov = { .iov_base = addr, .iov_len = len };
	int fd, err;

	fd = syscall(__NR_io_uring_setup, 4, &params);
	if (fd < 0)
		return -1;
	if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS, &iov, 1)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int drop_cap_ipc_lock(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~(1U << CAP_IPC_LOCK);
	d[0].permitted &= ~(1U << CAP_IPC_LOCK);
	return syscall(SYS_capset, &h, d);
}

/*
 * A sharer that pins region memory: io_uring charges its fixed buffers to
 * the registering process's pinned_vm (VmPin) and, without CAP_IPC_LOCK,
 * to its RLIMIT_MEMLOCK; the tracker names it as the owner of the pins,
 * io_uring's and gup_test's. Exit status: what went wrong.
 */
static int accounting_pinner(void *arg)
{
	bool tracker_on = *(bool *)arg;
	struct rlimit rl = { .rlim_cur = 32 * KiB, .rlim_max = 32 * KiB };
	long pages, lt;
	int fd, ufd, gfd;
	char *m;

	fd = open(p("acct"), O_RDWR);
	gfd = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (fd < 0 || gfd < 0)
		return 10;
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED)
		return 11;
	if (status_kb("VmPin") != 0)
		return 12;
	/* untouched memory: the pin faults it in, in the host */
	ufd = uring_buffer(m, 64 * KiB);
	if (ufd < 0)
		return 13;
	if (!vmpin_is(64))
		return 14;
	if (pin(gfd, m + 64 * KiB, 64 * KiB, PIN_LONGTERM_TEST_FLAG_USE_WRITE))
		return 15;
	if (tracker_on) {
		pages = tracker_owner_pages(getpid(), &lt);
		if (pages != 32 || lt != 32) {
			ksft_print_msg("tracker: owner pid=%d pinned_pages=%ld %s=%ld, want 32\n",
				       getpid(), pages, "longterm_pages", lt);
			return 16;
		}
	}
	if (ioctl(gfd, PIN_LONGTERM_TEST_STOP))
		return 17;
	close(ufd);
	if (!vmpin_is(0))
		return 18;
	/* RLIMIT_MEMLOCK applies without CAP_IPC_LOCK */
	if (drop_cap_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &rl))
		return 19;
	ufd = uring_buffer(m, 64 * KiB);
	if (ufd >= 0 || errno != ENOMEM) {
		ksft_print_msg("64 KiB fixed buffer over a 32 KiB RLIMIT_MEMLOCK: %s\n",
			       ufd >= 0 ? "success" : strerror(errno));
		return 20;
	}
	ufd = uring_buffer(m, 16 * KiB);
	if (ufd < 0)
		return 21;
	if (!vmpin_is(16))
		return 22;
	return 0;	/* exits with the buffer registered */
}

/*
 * Pins of region memory are charged to, and attributed to, the process
 * that pins, not to the host mm or to another sharer.
 */
static void test_pin_accounting(void)
{
	long acq, rel, pages = 0, lt;
	bool tracker_on = !access(PPT_DIR "/pinned", R_OK);
	char *m = MAP_FAILED;
	int fd, i, status;
	pid_t pid;

	ok = true;
	if (access("/sys/kernel/debug/gup_test", R_OK | W_OK)) {
		ksft_test_result_skip("pin accounting: no gup_test\n");
		return;
	}
	acq = pin_vmstat("nr_foll_pin_acquired");
	rel = pin_vmstat("nr_foll_pin_released");
	fd = new_region("acct");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		ok = false;
		goto close;
	}
	m[0] = 1;
	pid = fork();
	if (!pid)
		_exit(accounting_pinner(&tracker_on));
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ksft_print_msg("pinning sharer: status %#x (see accounting_pinner())\n",
			       status);
		ok = false;
	}
	if (status_kb("VmPin") != 0) {
		ksft_print_msg("another sharer's pins are charged here: VmPin %ld kB\n",
			       status_kb("VmPin"));
		ok = false;
	}
	for (i = 0; tracker_on && i < 40; i++) {
		pages = tracker_owner_pages(pid, &lt);
		if (!pages)
			break;
		usleep(50000);
	}
	if (pages) {
		ksft_print_msg("tracker: %ld pages still owned by the exited pinner\n", pages);
		ok = false;
	}
	if (!tracker_on)
		ksft_print_msg("page_pin_tracker off: attribution not checked\n");
close:
	if (m != MAP_FAILED)
		munmap(m, align);
	close(fd);
	unlink(p("acct"));
out:
	ok &= pins_balance(acq, rel, 36);
	ksft_test_result(ok, "pins are charged (%s) and attributed to the pinner\n",
			 "VmPin, RLIMIT_MEMLOCK");
}

static void test_refusals(void)
{
	struct uffdio_register reg = { 0 };
	struct uffdio_api api = { .api = UFFD_API };
	char *m, *r;
	int fd, uffd, pidfd;
	struct iovec iov;
	static const struct { int advice; const char *name; } refused[] = {
		{ MADV_DONTNEED, "MADV_DONTNEED" }, { MADV_FREE, "MADV_FREE" },
		{ MADV_REMOVE, "MADV_REMOVE" }, { MADV_WILLNEED, "MADV_WILLNEED" },
		{ MADV_COLD, "MADV_COLD" }, { MADV_PAGEOUT, "MADV_PAGEOUT" },
		{ MADV_HUGEPAGE, "MADV_HUGEPAGE" }, { MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE" },
		{ MADV_MERGEABLE, "MADV_MERGEABLE" }, { MADV_COLLAPSE, "MADV_COLLAPSE" },
		{ MADV_WIPEONFORK, "MADV_WIPEONFORK" }, { MADV_DODUMP, "MADV_DODUMP" },
	};
	static const struct { int advice; const char *name; } taken[] = {
		{ MADV_NORMAL, "MADV_NORMAL" }, { MADV_RANDOM, "MADV_RANDOM" },
		{ MADV_SEQUENTIAL, "MADV_SEQUENTIAL" }, { MADV_DONTDUMP, "MADV_DONTDUMP" },
		{ MADV_DOFORK, "MADV_DOFORK" },
		{ MADV_KEEPONFORK, "MADV_KEEPONFORK" },
	};
	unsigned int i;

	ok = true;
	fd = new_region("refuse");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		ok = false;
		goto close;
	}
	m[0] = 5;
	expect("mprotect", mprotect(m, align, PROT_READ), EINVAL);
	expect("mprotect of part", mprotect(m, 4096, PROT_READ), EINVAL);
	for (i = 0; i < ARRAY_SIZE(refused); i++)
		expect(refused[i].name, madvise(m, 2 * MiB, refused[i].advice), EINVAL);
	for (i = 0; i < ARRAY_SIZE(taken); i++)
		expect(taken[i].name, madvise(m, align, taken[i].advice), 0);
	expect("MADV_POPULATE_READ", madvise(m, 2 * MiB, MADV_POPULATE_READ), 0);
	expect("MADV_POPULATE_WRITE", madvise(m, 2 * MiB, MADV_POPULATE_WRITE), 0);
	expect("MADV_RANDOM on part", madvise(m, 4096, MADV_RANDOM), EINVAL);
	pidfd = syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd >= 0) {
		iov.iov_base = m;
		iov.iov_len = 2 * MiB;
		expect("process_madvise MADV_COLD",
		       syscall(SYS_process_madvise, pidfd, &iov, 1, MADV_COLD, 0), EINVAL);
		expect("process_madvise MADV_PAGEOUT",
		       syscall(SYS_process_madvise, pidfd, &iov, 1, MADV_PAGEOUT, 0), EINVAL);
		close(pidfd);
	}
	expect("mlock", mlock(m, 4096), EINVAL);
	expect("mlock2 MLOCK_ONFAULT", syscall(SYS_mlock2, m, 4096, 1), EINVAL);
	expect("munlock", munlock(m, 4096), 0);
	expect("mlockall", mlockall(MCL_CURRENT), 0);
	expect("munlockall", munlockall(), 0);
	r = mremap(m, align, 2 * align, MREMAP_MAYMOVE);
	expect("mremap grow", r == MAP_FAILED ? -1 : 0, EINVAL);
	r = mremap(m, align, align / 2, 0);
	expect("mremap shrink", r == MAP_FAILED ? -1 : 0, EINVAL);
	r = mremap(m, align, align, MREMAP_MAYMOVE | MREMAP_FIXED, m + 2 * align);
	expect("mremap move", r == MAP_FAILED ? -1 : 0, EINVAL);
	r = mremap(m, 0, align, MREMAP_MAYMOVE);
	expect("mremap duplicate", r == MAP_FAILED ? -1 : 0, EINVAL);
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd >= 0 && !ioctl(uffd, UFFDIO_API, &api)) {
		reg.range.start = (uintptr_t)m;
		reg.range.len = 2 * MiB;
		reg.mode = UFFDIO_REGISTER_MODE_MISSING;
		expect("UFFDIO_REGISTER missing", ioctl(uffd, UFFDIO_REGISTER, &reg), EINVAL);
		reg.mode = UFFDIO_REGISTER_MODE_WP;
		expect("UFFDIO_REGISTER wp", ioctl(uffd, UFFDIO_REGISTER, &reg), EINVAL);
	} else {
		ksft_print_msg("userfaultfd: %s\n", strerror(errno));
		ok = false;
	}
	if (uffd >= 0)
		close(uffd);
	if (m[0] != 5) {
		ksft_print_msg("content changed by refused calls\n");
		ok = false;
	}
	munmap(m, align);
close:
	close(fd);
	unlink(p("refuse"));
out:
	ksft_test_result(ok, "refused with EINVAL: %s\n",
			 "mprotect, most madvise, process_madvise, mlock, mremap, uffd");
}

#define PM_SOFT_DIRTY_BIT	0x0080000000000000ULL	/* bit 55 */
#define PM_PRESENT_BIT		0x8000000000000000ULL	/* bit 63 */

/* This process's /proc/self/pagemap entry for addr; 0 if unreadable. */
static uint64_t pagemap_entry(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (uintptr_t)addr / 4096 * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	return e;
}

/* "Referenced:" of the mapping that starts at addr, in kB; -1 if none. */
static long smaps_referenced(const void *addr)
{
	unsigned long start, end;
	char line[512];
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start == (uintptr_t)addr;
			continue;
		}
		if (in && sscanf(line, "Referenced: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static int write_clear_refs(const char *val)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -1 : 0;
}

/*
 * clear_refs acts on the process's own page tables: a sharer mapping's
 * are the region's, so its accessed bits stay and it stays soft-dirty as
 * a whole (pagemap), while a private page's soft-dirty bit is cleared.
 */
static void test_clear_refs(void)
{
	char *m = MAP_FAILED, *priv;
	long ref, ref2;
	uint64_t e;
	int fd, i;

	ok = true;
	fd = new_region("clearrefs");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || priv == MAP_FAILED) {
		ok = false;
		goto close;
	}
	for (i = 0; i < 16; i++)
		m[i * 4096] = 1;
	priv[0] = 1;
	ref = smaps_referenced(m);
	if (ref < 64) {
		ksft_print_msg("smaps: Referenced %ld kB after touching 64 KiB\n", ref);
		ok = false;
	}
	expect("clear_refs 1", write_clear_refs("1"), 0);
	ref2 = smaps_referenced(m);
	if (ref2 != ref) {
		ksft_print_msg("clear_refs 1 cleared the accessed bits: %s %ld kB, was %ld kB\n",
			       "Referenced", ref2, ref);
		ok = false;
	}
	expect("clear_refs 4", write_clear_refs("4"), 0);
	if (pagemap_entry(priv) & PM_SOFT_DIRTY_BIT) {
		ksft_print_msg("clear_refs 4 did not clear a private page's soft-dirty bit\n");
		ok = false;
	}
	for (i = 0; i < 16; i++) {
		e = pagemap_entry(m + i * 4096);
		if (!(e & PM_PRESENT_BIT) || !(e & PM_SOFT_DIRTY_BIT)) {
			ksft_print_msg("page %d after clear_refs 4: pagemap %#llx, %s\n", i,
				       (unsigned long long)e, "want present and soft-dirty");
			ok = false;
			break;
		}
	}
	/* a mapping in another process: also soft-dirty, and writable */
	expect_child("another sharer writes", in_child(touch_write, m + 4096), 0);
	if (m[0] != 1 || m[4096] != 1)
		ok = false;
	munmap(priv, 4096);
close:
	if (m != MAP_FAILED)
		munmap(m, align);
	close(fd);
	unlink(p("clearrefs"));
out:
	ksft_test_result(ok, "clear_refs 1 and 4 leave a sharer mapping alone; %s\n",
			 "pagemap: soft-dirty");
}

static long pm_scan(void *start, void *end, uint64_t flags, uint64_t mask,
		    uint64_t ret_mask, struct page_region *vec, int n)
{
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.flags = flags,
		.start = (uintptr_t)start,
		.end = (uintptr_t)end,
		.vec = (uintptr_t)vec,
		.vec_len = n,
		.category_mask = mask,
		.return_mask = ret_mask,
	};
	int fd = open("/proc/self/pagemap", O_RDONLY);
	long ret;
	int err;

	if (fd < 0)
		return -1;
	ret = ioctl(fd, PAGEMAP_SCAN, &arg);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

/*
 * PAGEMAP_SCAN's write-protection (PM_SCAN_WP_MATCHING) needs uffd-wp,
 * which a sharer mapping refuses: such a scan skips the mapping, or fails
 * with EPERM under PM_SCAN_CHECK_WPASYNC. A read-only scan reports the
 * region's PTEs.
 */
static void test_pagemap_scan(void)
{
	struct page_region v[4];
	char *m = MAP_FAILED;
	long n;
	int fd, i;

	ok = true;
	fd = new_region("pmscan");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		ok = false;
		goto close;
	}
	for (i = 0; i < 16; i++)
		m[i * 4096] = 2;
	n = pm_scan(m, m + 2 * MiB, PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
		    PAGE_IS_WRITTEN, PAGE_IS_WRITTEN, v, 4);
	expect("WP_MATCHING | CHECK_WPASYNC", n, EPERM);
	n = pm_scan(m, m + 2 * MiB, PM_SCAN_WP_MATCHING, PAGE_IS_WRITTEN,
		    PAGE_IS_WRITTEN, v, 4);
	if (n != 0) {
		ksft_print_msg("WP_MATCHING: %ld ranges (%s), want 0: the mapping is skipped\n",
			       n, n < 0 ? strerror(errno) : "success");
		ok = false;
	}
	n = pm_scan(m, m + 2 * MiB, 0, PAGE_IS_PRESENT,
		    PAGE_IS_PRESENT | PAGE_IS_FILE | PAGE_IS_SOFT_DIRTY, v, 4);
	if (n != 1 || v[0].start != (uintptr_t)m ||
	    v[0].end != (uintptr_t)m + 16 * 4096 ||
	    v[0].categories != (PAGE_IS_PRESENT | PAGE_IS_FILE | PAGE_IS_SOFT_DIRTY)) {
		ksft_print_msg("read-only scan: %ld ranges, first %#llx-%#llx categories %#llx\n",
			       n, n > 0 ? (unsigned long long)v[0].start - (uintptr_t)m : 0,
			       n > 0 ? (unsigned long long)v[0].end - (uintptr_t)m : 0,
			       n > 0 ? (unsigned long long)v[0].categories : 0);
		ok = false;
	}
	expect_child("another sharer writes", in_child(touch_write, m), 0);
close:
	if (m != MAP_FAILED)
		munmap(m, align);
	close(fd);
	unlink(p("pmscan"));
out:
	ksft_test_result(ok, "PAGEMAP_SCAN: %s; reads work\n",
			 "WP_MATCHING skips a sharer mapping (EPERM with CHECK_WPASYNC)");
}

/* The region's memory is shared anonymous memory: nothing to write back. */
static void test_msync(void)
{
	char *m = MAP_FAILED;
	int fd;

	ok = true;
	fd = new_region("msync");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		ok = false;
		goto close;
	}
	m[0] = 3;
	expect("msync MS_SYNC", msync(m, align, MS_SYNC), 0);
	expect("msync MS_ASYNC", msync(m, 2 * MiB, MS_ASYNC), 0);
	expect("msync MS_INVALIDATE", msync(m, 4096, MS_INVALIDATE), 0);
	expect("msync MS_SYNC of a hole", msync(m + 4 * MiB, 4096, MS_SYNC), 0);
	expect("fsync", fsync(fd), 0);
	expect("fdatasync", fdatasync(fd), 0);
	if (m[0] != 3)
		ok = false;
close:
	if (m != MAP_FAILED)
		munmap(m, align);
	close(fd);
	unlink(p("msync"));
out:
	ksft_test_result(ok, "msync (MS_SYNC, MS_ASYNC, MS_INVALIDATE), fsync of a region: 0\n");
}

/*
 * GUP with FOLL_SPLIT_PMD (gup_test's GUP_BASIC_TEST with that flag)
 * through a sharer would split the host's PMDs with the sharer's mm:
 * refused, so gup_test takes nothing (it reports the bytes it took in
 * size); the same request without the flag takes everything.
 */
static void test_split_pmd(void)
{
	struct gup_test g = { .nr_pages_per_call = 16 };
	char *m = MAP_FAILED;
	int fd, gfd;

	ok = true;
	gfd = gup_test_open("FOLL_SPLIT_PMD through a sharer");
	if (gfd < 0)
		return;
	fd = new_region("splitpmd");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		ok = false;
		goto close;
	}
	memset(m, 5, 2 * MiB);
	g.addr = (uintptr_t)m;
	g.size = 64 * 4096;
	g.gup_flags = 1 << 9;	/* FOLL_SPLIT_PMD */
	expect("GUP_BASIC_TEST with FOLL_SPLIT_PMD", ioctl(gfd, GUP_BASIC_TEST, &g), 0);
	if (g.size) {
		ksft_print_msg("FOLL_SPLIT_PMD through a sharer took %llu bytes\n",
			       (unsigned long long)g.size);
		ok = false;
	}
	g.size = 64 * 4096;
	g.gup_flags = 0;
	expect("GUP_BASIC_TEST", ioctl(gfd, GUP_BASIC_TEST, &g), 0);
	if (g.size != 64 * 4096) {
		ksft_print_msg("GUP through a sharer took %llu bytes of %u\n",
			       (unsigned long long)g.size, 64 * 4096);
		ok = false;
	}
	if (m[0] != 5 || m[511 * 4096] != 5)
		ok = false;
close:
	if (m != MAP_FAILED)
		munmap(m, align);
	close(fd);
	unlink(p("splitpmd"));
out:
	close(gfd);
	ksft_test_result(ok, "GUP with FOLL_SPLIT_PMD through a sharer: refused, nothing taken\n");
}

/*
 * process_madvise() from another process refuses the same advice as
 * madvise(); mbind() fails with EINVAL (ENOSYS without CONFIG_NUMA).
 */
static void test_remote_refusals(void)
{
	static const struct { int advice; const char *name; } advice[] = {
		{ MADV_COLD, "MADV_COLD" }, { MADV_PAGEOUT, "MADV_PAGEOUT" },
		{ MADV_WILLNEED, "MADV_WILLNEED" }, { MADV_COLLAPSE, "MADV_COLLAPSE" },
	};
	int to_child[2] = { -1, -1 }, fd, pidfd, status;
	unsigned long nodes = 1;
	char *m = MAP_FAILED, c = 0;
	struct iovec iov;
	unsigned int i;
	pid_t pid;
	long ret;

	ok = true;
	fd = new_region("remote");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED || pipe(to_child)) {
		ok = false;
		goto close;
	}
	memset(m, 4, 2 * MiB);
	pid = fork();
	if (!pid) {
		/* the child inherits the mapping and waits */
		close(to_child[1]);
		_exit(read(to_child[0], &c, 1) == 0 && m[0] == 4 ? 0 : 1);
	}
	close(to_child[0]);
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	expect("pidfd_open", pidfd, 0);
	iov.iov_base = m;
	iov.iov_len = 2 * MiB;
	for (i = 0; pidfd >= 0 && i < ARRAY_SIZE(advice); i++)
		expect(advice[i].name, syscall(SYS_process_madvise, pidfd, &iov, 1,
					       advice[i].advice, 0), EINVAL);
	if (pidfd >= 0)
		close(pidfd);
	close(to_child[1]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ksft_print_msg("child: status %#x\n", status);
		ok = false;
	}
	/* MPOL_BIND = 2, MPOL_MF_MOVE = 1 << 1 */
	if (access("/sys/devices/system/node", F_OK)) {
		ksft_print_msg("mbind: not checked, no NUMA (CONFIG_NUMA=n)\n");
	} else {
		ret = syscall(SYS_mbind, m, align, 2, &nodes, 64, 2);
		expect("mbind MPOL_BIND, MPOL_MF_MOVE", ret, EINVAL);
		expect("mbind MPOL_DEFAULT", syscall(SYS_mbind, m, align, 0, NULL, 0, 0), 0);
	}
	if (m[0] != 4 || load(m + 2 * MiB - 1) != 4)
		ok = false;
close:
	if (m != MAP_FAILED)
		munmap(m, align);
	close(fd);
	unlink(p("remote"));
out:
	ksft_test_result(ok, "process_madvise from another process: EINVAL; mbind: EINVAL\n");
}

static long long meminfo_kb(const char *key)
{
	char line[256];
	long long kb = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			kb = atoll(line + n + 1);
			break;
		}
	fclose(f);
	return kb;
}

/* Wait up to 5 s for Shmem to drop to limit kB or below; the last value. */
static long long shmem_down_to(long long limit)
{
	long long kb = meminfo_kb("Shmem");
	int i;

	for (i = 0; i < 100 && kb > limit; i++) {
		usleep(50000);
		kb = meminfo_kb("Shmem");
	}
	return kb;
}

/*
 * UNMAP of part of a mapping frees that part's pages (munmap() of part of
 * a shared mapping alone would keep them in its shmem file until the rest
 * is unmapped): 64 MiB touched, UNMAP of 32 MiB in the middle, then of
 * the rest; Shmem in /proc/meminfo drops by each part. The content of the
 * parts that stay mapped is kept.
 */
static void test_unmap_frees(void)
{
	long long start, touched, half = -1, all = -1;
	char *m = MAP_FAILED;
	int fd;

	ok = true;
	fd = new_region("unmapfree");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING 64 MiB", create(fd, anon(0, 64 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		ok = false;
		goto close;
	}
	start = meminfo_kb("Shmem");
	memset(m, 5, 64 * MiB);
	touched = meminfo_kb("Shmem");
	if (start < 0 || touched - start < 60 * 1024) {
		ksft_print_msg("Shmem %lld -> %lld kB after touching 64 MiB\n", start, touched);
		ok = false;
		goto unmap;
	}
	expect("UNMAP 16-48 MiB", unmap(fd, 16 * MiB, 32 * MiB), 0);
	half = shmem_down_to(touched - 30 * 1024);
	if (half > touched - 30 * 1024) {
		ksft_print_msg("Shmem %lld -> %lld kB after UNMAP of 32 MiB: not freed\n",
			       touched, half);
		ok = false;
	}
	if (load(m) != 5 || load(m + 16 * MiB - 1) != 5 || load(m + 48 * MiB) != 5 ||
	    load(m + 64 * MiB - 1) != 5) {
		ksft_print_msg("the parts left mapped lost their content\n");
		ok = false;
	}
	expect("UNMAP 0-64 MiB", unmap(fd, 0, 64 * MiB), 0);
	all = shmem_down_to(start + 2 * 1024);
	if (all > start + 2 * 1024) {
		ksft_print_msg("Shmem %lld kB after UNMAP of all, %lld before touching\n",
			       all, start);
		ok = false;
	}
unmap:
	munmap(m, align);
close:
	close(fd);
	unlink(p("unmapfree"));
out:
	ksft_test_result(ok, "UNMAP of part of a mapping frees that part's pages\n");
}

/*
 * move_pages(2) of a page of a sharer mapping: status -EFAULT, nothing
 * moved (the page is the region's, not the caller's); a query (nodes
 * NULL) still gives the page's node. The VM has one node: moving to node
 * 0 is what would succeed (status 0) for any other page, as it does for
 * the control page here.
 */
static void test_move_pages(void)
{
	int node[2] = { 0, 0 }, status[2] = { -1, -1 }, fd;
	void *pages[2];
	char *m = MAP_FAILED, *own;
	long ret;

	ok = true;
	if (access("/sys/devices/system/node", F_OK)) {
		ksft_test_result_skip("move_pages: no NUMA (CONFIG_NUMA=n)\n");
		return;
	}
	own = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = new_region("movepages");
	if (fd < 0)
		goto out;
	if (own == MAP_FAILED) {
		ok = false;
		goto close;
	}
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		ok = false;
		goto close;
	}
	m[0] = 9;
	own[0] = 1;
	pages[0] = m;
	pages[1] = own;
	ret = syscall(SYS_move_pages, 0, 2UL, pages, NULL, status, 0);
	expect("move_pages query", ret, 0);
	if (!ret && (status[0] != 0 || status[1] != 0)) {
		ksft_print_msg("query: status %d %d, want 0 0\n", status[0], status[1]);
		ok = false;
	}
	status[0] = -1;
	status[1] = -1;
	/* MPOL_MF_MOVE = 1 << 1 */
	ret = syscall(SYS_move_pages, 0, 2UL, pages, node, status, 2);
	expect("move_pages MPOL_MF_MOVE", ret, 0);
	if (!ret && (status[0] != -EFAULT || status[1] != 0)) {
		ksft_print_msg("move: status %d %d, want %d 0\n", status[0],
			       status[1], -EFAULT);
		ok = false;
	}
	if (load(m) != 9)
		ok = false;
	munmap(m, align);
close:
	close(fd);
	unlink(p("movepages"));
out:
	if (own != MAP_FAILED)
		munmap(own, 4096);
	ksft_test_result(ok, "move_pages: a sharer's page gets -EFAULT, the query works\n");
}

static int write_str(const char *file, const char *str)
{
	int fd = open(file, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, str, strlen(str));
	close(fd);
	return n == (ssize_t)strlen(str) ? 0 : -1;
}

static long long read_ll(const char *file)
{
	long long v = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

struct memcg_arg {
	char *m;
	const char *procs;
};

/* Join the cgroup, then fault 32 MiB by writes and 32 MiB by GUP. */
static int memcg_child(void *arg)
{
	struct memcg_arg *a = arg;

	if (write_str(a->procs, "0"))
		return 10;
	memset(a->m, 3, 32 * MiB);
	if (madvise(a->m + 32 * MiB, 32 * MiB, MADV_POPULATE_WRITE))
		return 11;
	return 0;
}

/*
 * Memory that a sharer faults into a region is charged to the sharer's
 * memory cgroup (the host mm belongs to no task): a child in a new cgroup
 * faults 64 MiB (half by CPU writes, half by MADV_POPULATE_WRITE, i.e.
 * GUP) and exits; the pages stay charged to its cgroup while the region
 * maps them (shmem), and MSHAREFS_UNMAP uncharges them. The old kernel
 * charged them to the root cgroup.
 */
static void test_memcg(void)
{
	char cgroot[64] = "/sys/fs/cgroup", cg[128], file[192], procs[192];
	long long before, after, unmapped = -1;
	struct memcg_arg a;
	bool mounted = false;
	char buf[256] = "";
	int fd = -1, i;
	FILE *f;

	ok = true;
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK)) {
		snprintf(cgroot, sizeof(cgroot), "/tmp/mshare-cg.XXXXXX");
		if (!mkdtemp(cgroot) || mount("none", cgroot, "cgroup2", 0, NULL)) {
			ksft_test_result_skip("memcg: cannot mount cgroup2: %s\n",
					      strerror(errno));
			rmdir(cgroot);
			return;
		}
		mounted = true;
	}
	snprintf(file, sizeof(file), "%s/cgroup.controllers", cgroot);
	f = fopen(file, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	if (!strstr(buf, "memory")) {
		ksft_test_result_skip("memcg: no memory controller (CONFIG_MEMCG=n)\n");
		goto umount;
	}
	snprintf(file, sizeof(file), "%s/cgroup.subtree_control", cgroot);
	snprintf(cg, sizeof(cg), "%s/mshare-test", cgroot);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	if (write_str(file, "+memory") || (mkdir(cg, 0755) && errno != EEXIST)) {
		ksft_print_msg("cgroup setup: %s\n", strerror(errno));
		ok = false;
		goto umount;
	}
	snprintf(file, sizeof(file), "%s/memory.current", cg);
	fd = new_region("memcg");
	if (fd < 0)
		goto rmdir;
	expect("CREATE_MAPPING 64 MiB", create(fd, anon(0, 64 * MiB)), 0);
	a.m = map_region(fd, PROT_READ | PROT_WRITE);
	a.procs = procs;
	if (a.m == MAP_FAILED) {
		ok = false;
		goto close;
	}
	before = read_ll(file);
	expect_child("child in the cgroup", in_child(memcg_child, &a), 0);
	after = read_ll(file);
	if (before < 0 || after - before < 60 * (long long)MiB) {
		ksft_print_msg("memory.current %lld -> %lld: not charged with the 64 MiB\n",
			       before, after);
		ok = false;
	}
	munmap(a.m, align);
	expect("UNMAP", unmap(fd, 0, 64 * MiB), 0);
	/* the shmem file of the mapping may be released by a worker */
	for (i = 0; i < 100; i++) {
		unmapped = read_ll(file);
		if (unmapped >= 0 && unmapped < after - 56 * (long long)MiB)
			break;
		usleep(50000);
	}
	if (unmapped < 0 || unmapped >= after - 56 * (long long)MiB) {
		ksft_print_msg("memory.current %lld after UNMAP: not uncharged\n", unmapped);
		ok = false;
	}
close:
	close(fd);
	unlink(p("memcg"));
rmdir:
	if (rmdir(cg))
		ksft_print_msg("rmdir %s: %s\n", cg, strerror(errno));
umount:
	if (mounted) {
		umount(cgroot);
		rmdir(cgroot);
	}
	if (!strstr(buf, "memory"))
		return;
	ksft_test_result(ok, "memcg: faults charge the sharer's cgroup; UNMAP uncharges\n");
}

/*
 * A process with a notifier: exit status 0 when the kernel refuses the
 * combination both ways, 99 when gup_test has no MMU_NOTIFIER_TEST.
 */
static int notifier_user(void *arg)
{
	struct pin_longterm_test pt = { .size = 4096 };
	char *priv, *m;
	int fd, gfd;

	fd = open(p("notifier"), O_RDWR);
	gfd = open("/sys/kernel/debug/gup_test", O_RDWR);
	priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || gfd < 0 || priv == MAP_FAILED)
		return 10;
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED)
		return 11;
	m[0] = 1;
	/* this mm maps a region: no notifier, on it or elsewhere */
	pt.addr = (uintptr_t)priv;
	if (!ioctl(gfd, MMU_NOTIFIER_TEST_START, &pt))
		return 12;
	if (errno == EINVAL)
		return 99;
	if (errno != EBUSY)
		return 13;
	pt.addr = (uintptr_t)m;
	if (!ioctl(gfd, MMU_NOTIFIER_TEST_START, &pt) || errno != EBUSY)
		return 14;
	/* without the region, a notifier is taken */
	if (munmap(m, align))
		return 15;
	pt.addr = (uintptr_t)priv;
	if (ioctl(gfd, MMU_NOTIFIER_TEST_START, &pt))
		return 16;
	/* and the region cannot be mapped, even after the notifier is gone */
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m != MAP_FAILED || errno != EBUSY)
		return 17;
	if (ioctl(gfd, MMU_NOTIFIER_TEST_STOP))
		return 18;
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m != MAP_FAILED || errno != EBUSY)
		return 19;
	return 0;
}

/*
 * mmu notifiers on a sharer's mm would not hear of the region's changes:
 * a process that maps a region cannot register one, and a process that
 * has had one cannot map a region (EBUSY). gup_test's interval notifier
 * stands for ODP and HMM mirrors; nothing else in the test kernel lets
 * user space register one.
 */
static void test_notifiers(void)
{
	int fd, ret;

	ok = true;
	if (access("/sys/kernel/debug/gup_test", R_OK | W_OK)) {
		ksft_test_result_skip("mmu notifiers: no gup_test\n");
		return;
	}
	fd = new_region("notifier");
	if (fd < 0)
		goto out;
	expect("CREATE_MAPPING", create(fd, anon(0, 2 * MiB)), 0);
	ret = in_child(notifier_user, NULL);
	close(fd);
	unlink(p("notifier"));
	if (ret == 99) {
		ksft_test_result_skip("mmu notifiers: gup_test has no MMU_NOTIFIER_TEST_START\n");
		return;
	}
	expect_child("a process with a region and a notifier", ret, 0);
out:
	ksft_test_result(ok, "mmu notifiers and sharer mappings exclude each other: EBUSY\n");
}

static bool present(const char *addr, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 4096)
		if (!(pagemap_entry(addr + i) & PM_PRESENT_BIT))
			return false;
	return true;
}

static int mlockall_child(void *arg)
{
	char *m = arg;

	if (mlockall(MCL_CURRENT))
		return 1;
	if (!present(m + 8 * MiB, 64 * KiB) || !present(m + GiB, 64 * KiB))
		return 2;
	return 0;
}

/*
 * MAP_POPULATE and mlockall(MCL_CURRENT) populate every host mapping of
 * a region, past holes and past mappings that cannot be faulted
 * (PROT_NONE). MADV_POPULATE_READ over a hole fails with EFAULT.
 */
static void test_populate(void)
{
	char *m = MAP_FAILED;
	int fd;

	ok = true;
	fd = new_region("populate");
	if (fd < 0)
		goto out;
	/* a hole at the start, a PROT_NONE mapping, two mappings after */
	expect("CREATE_MAPPING PROT_NONE", create(fd, (struct mshare_create){
		.region_offset = 2 * MiB, .size = 64 * KiB, .prot = PROT_NONE,
		.flags = MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS, .fd = -1 }), 0);
	expect("CREATE_MAPPING 4 MiB", create(fd, anon(4 * MiB, 64 * KiB)), 0);
	expect("CREATE_MAPPING 1 GiB", create(fd, anon(GiB, 64 * KiB)), 0);
	m = mmap(NULL, align, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	expect("mmap MAP_POPULATE", m == MAP_FAILED ? -1 : 0, 0);
	if (m == MAP_FAILED)
		goto close;
	if (!present(m + 4 * MiB, 64 * KiB) || !present(m + GiB, 64 * KiB)) {
		ksft_print_msg("MAP_POPULATE: the host mappings after a hole are not populated\n");
		ok = false;
	}
	if (pagemap_entry(m) & PM_PRESENT_BIT)
		ok = false;
	munmap(m, align);
	/* mlockall() in a new sharer */
	expect("CREATE_MAPPING 8 MiB", create(fd, anon(8 * MiB, 64 * KiB)), 0);
	expect("UNMAP 1 GiB", unmap(fd, GiB, 64 * KiB), 0);
	expect("CREATE_MAPPING 1 GiB again", create(fd, anon(GiB, 64 * KiB)), 0);
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED) {
		ok = false;
		goto close;
	}
	expect_child("mlockall(MCL_CURRENT) populates", in_child(mlockall_child, m), 0);
	expect("MADV_POPULATE_READ over a hole",
	       madvise(m + 4 * MiB, 4 * MiB + 4096, MADV_POPULATE_READ), EFAULT);
	munmap(m, align);
close:
	close(fd);
	unlink(p("populate"));
out:
	ksft_test_result(ok, "MAP_POPULATE and mlockall populate past holes in the host\n");
}

static void test_namespace(void)
{
	struct stat st;
	int fd;

	ok = true;
	expect("mkfifo", mkfifo(p("fifo"), 0600), EPERM);
	expect("mknod", mknod(p("node"), S_IFREG | 0600, 0), 0);
	unlink(p("node"));
	expect("symlink", symlink("mshare_info", p("link")), EPERM);
	fd = new_region("named");
	if (fd >= 0) {
		char other[4096];

		snprintf(other, sizeof(other), "%s/hardlink", root);
		expect("link", link(p("named"), other), EPERM);
		snprintf(other, sizeof(other), "%s/renamed", root);
		expect("rename", rename(p("named"), other), EPERM);
		close(fd);
		unlink(p("named"));
	}
	expect("mkdir", mkdir(p("dir"), 0700), 0);
	fd = new_region("dir/region");
	if (fd >= 0) {
		expect("CREATE_MAPPING in a subdirectory", create(fd, anon(0, 4096)), 0);
		expect("fstat", fstat(fd, &st), 0);
		close(fd);
	}
	expect("rmdir non-empty", rmdir(p("dir")), ENOTEMPTY);
	expect("unlink dir/region", unlink(p("dir/region")), 0);
	expect("rmdir", rmdir(p("dir")), 0);
	ksft_test_result(ok, "directories work; FIFOs, links and renames: EPERM\n");
}

/* Map 1 GiB in a new region and return the commit charge before that. */
static int region_with_gib(const char *name, long long *before)
{
	int fd;

	*before = committed();
	fd = new_region(name);
	if (fd < 0)
		return -1;
	expect("CREATE_MAPPING 1 GiB", create(fd, anon(align - GiB, GiB)), 0);
	if (committed() - *before < (long long)CHARGE_SEEN) {
		ksft_print_msg("%s: 1 GiB mapping not charged\n", name);
		ok = false;
	}
	return fd;
}

static bool still_charged(const char *when, long long before)
{
	usleep(200000);
	if (committed() - before < (long long)CHARGE_SEEN) {
		ksft_print_msg("memory released %s\n", when);
		return false;
	}
	return true;
}

static bool uncharged(const char *when, long long before)
{
	long long c = committed_below(before + CHARGE_SEEN);

	if (c >= before + (long long)CHARGE_SEEN) {
		ksft_print_msg("memory not released %s (Committed_AS %lld, was %lld)\n",
			       when, c, before);
		return false;
	}
	return true;
}

static void test_lifetime_unlink_open(void)
{
	long long before;
	int fd;

	ok = true;
	fd = region_with_gib("open", &before);
	if (fd >= 0) {
		expect("unlink while open", unlink(p("open")), 0);
		ok &= still_charged("at unlink with the region open", before);
		expect("CREATE_MAPPING after unlink", create(fd, anon(0, 4096)), 0);
		close(fd);
		ok &= uncharged("at the last close after unlink", before);
	}
	ksft_test_result(ok, "unlink of an open region: memory stays until the last close\n");
}

static void test_lifetime_close_linked(void)
{
	long long before;
	int fd;

	ok = true;
	fd = region_with_gib("linked", &before);
	if (fd >= 0) {
		close(fd);
		ok &= still_charged("at close of a linked region", before);
		fd = open(p("linked"), O_RDWR);
		expect("reopen", fd, 0);
		if (fd >= 0) {
			expect("mapping still there",
			       create(fd, anon(align - GiB, 4096)), EEXIST);
			close(fd);
		}
		expect("unlink", unlink(p("linked")), 0);
		ok &= uncharged("at unlink of a closed region", before);
	}
	ksft_test_result(ok, "close of a linked region keeps its memory; unlink releases it\n");
}

static void test_lifetime_umount(void)
{
	char dir[] = "/tmp/mshare2.XXXXXX";
	char name[4096];
	long long before;
	int fd;

	ok = true;
	if (!mkdtemp(dir)) {
		ksft_test_result_fail("umount releases regions: mkdtemp: %s\n",
				      strerror(errno));
		return;
	}
	expect("mount a second instance", mount("none", dir, "msharefs", 0, NULL), 0);
	if (!ok)
		goto out;
	snprintf(name, sizeof(name), "%s/region", dir);
	before = committed();
	fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	expect("create", fd, 0);
	if (fd >= 0) {
		expect("ftruncate", ftruncate(fd, align), 0);
		expect("CREATE_MAPPING 1 GiB", create(fd, anon(0, GiB)), 0);
		close(fd);
	}
	snprintf(name, sizeof(name), "%s/region", root);
	expect("the first instance does not see it", access(name, F_OK), ENOENT);
	ok &= still_charged("before umount", before);
	expect("umount", umount(dir), 0);
	ok &= uncharged("at umount", before);
out:
	rmdir(dir);
	ksft_test_result(ok, "instances are separate; umount releases their regions\n");
}

static void test_unlink_mapped(void)
{
	long long before;
	char *m;
	int fd;

	ok = true;
	fd = region_with_gib("unlinkmapped", &before);
	if (fd < 0)
		goto out;
	m = map_region(fd, PROT_READ | PROT_WRITE);
	expect("mmap", m == MAP_FAILED ? -1 : 0, 0);
	close(fd);
	expect("unlink", unlink(p("unlinkmapped")), 0);
	if (m != MAP_FAILED) {
		ok &= still_charged("at unlink and close with a mapping", before);
		m[align - 1] = 2;
		if (m[align - 1] != 2)
			ok = false;
		munmap(m, align);
	}
	ok &= uncharged("at the last munmap after unlink and close", before);
out:
	ksft_test_result(ok, "unlink and close of a mapped region: memory stays until munmap\n");
}

static int owner(void *arg)
{
	char *m;
	int fd;

	fd = open(p("owner"), O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, align) || create(fd, anon(0, 2 * MiB)))
		return 1;
	m = map_region(fd, PROT_READ | PROT_WRITE);
	if (m == MAP_FAILED)
		return 2;
	m[0] = 42;
	return 0;	/* exits with the region open and mapped */
}

static void test_owner_exit(void)
{
	char *m;
	int fd;

	ok = true;
	expect_child("creator", in_child(owner, NULL), 0);
	fd = open(p("owner"), O_RDWR);
	expect("open after the creator's exit", fd, 0);
	if (fd >= 0) {
		m = map_region(fd, PROT_READ | PROT_WRITE);
		if (m == MAP_FAILED || m[0] != 42) {
			ksft_print_msg("content lost at the creator's exit\n");
			ok = false;
		}
		if (m != MAP_FAILED)
			munmap(m, align);
		close(fd);
	}
	unlink(p("owner"));
	ksft_test_result(ok, "the creator's exit changes nothing: the region is a file\n");
}

int main(void)
{
	struct statfs sf;
	char line[256];
	bool found = false;
	FILE *f;

	ksft_print_header();
	f = fopen("/proc/filesystems", "r");
	if (!f)
		ksft_exit_skip("cannot read /proc/filesystems: %s\n", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "\tmsharefs\n"))
			found = true;
	fclose(f);
	if (!found)
		ksft_exit_skip("msharefs is not in /proc/filesystems (CONFIG_MSHARE=n)\n");
	if (geteuid())
		ksft_exit_skip("needs root to mount msharefs\n");
	snprintf(root, sizeof(root), "/tmp/mshare.XXXXXX");
	if (!mkdtemp(root))
		ksft_exit_fail_msg("mkdtemp: %s\n", strerror(errno));
	if (mount("none", root, "msharefs", 0, NULL)) {
		int err = errno;

		rmdir(root);
		ksft_exit_fail_msg("mount -t msharefs: %s\n", strerror(err));
	}

	ksft_set_plan(47);
	ok = !statfs(root, &sf) && sf.f_type == MSHARE_MAGIC;
	ksft_test_result(ok, "mount -t msharefs none DIR (f_type MSHARE_MAGIC)\n");
	test_mount_point();
	test_info();
	if (align != ALIGN_X86_64) {
		umount(root);
		rmdir(root);
		ksft_exit_fail_msg("no usable alignment, stopping\n");
	}
	test_info_readonly();
	test_size();
	test_max_size();
	test_no_io();
	test_unsized();
	test_create_unmap();
	test_partial_unmap();
	test_unmap_frees();
	test_create_range_errors();
	test_create_flag_errors();
	test_create_fd_errors();
	test_wrong_file();
	test_garbage();
	test_readonly_fd();
	test_unmap_errors();
	test_mmap_errors();
	test_share();
	test_fork();
	test_readonly_sharer();
	test_host_unmap();
	test_munmap();
	test_refusals();
	test_clear_refs();
	test_pagemap_scan();
	test_msync();
	test_remote_refusals();
	test_move_pages();
	test_memcg();
	test_notifiers();
	test_populate();
	test_pins();
	test_split_pmd();
	test_pin_exits();
	test_pin_accounting();
	test_memory_failure();
	test_fault_injection();
	test_namespace();
	test_lifetime_unlink_open();
	test_lifetime_close_linked();
	test_lifetime_umount();
	test_unlink_mapped();
	test_owner_exit();

	if (umount(root))
		ksft_print_msg("umount %s: %s\n", root, strerror(errno));
	rmdir(root);
	ksft_finished();
}
