// SPDX-License-Identifier: GPL-2.0
/*
 * RDMA pin tests on soft-RoCE (rxe) through libibverbs.
 *
 * Memory registration (ib_umem_get()) is the biggest real source of
 * long-term pins. Every case checks exact pin accounting: the deltas of
 * nr_foll_pin_acquired/nr_foll_pin_released in /proc/vmstat (folded first
 * through /proc/sys/vm/stat_refresh) and, when the DMA-pin tracker is on
 * (CONFIG_PAGE_PIN_TRACKER, page_pin_tracker=on), its listing in
 * /sys/kernel/debug/page_pin_tracker/pinned: the right pages, one pin
 * each, long term, owned by the registering task.
 *
 * Cases: registration on anon, shmem, THP and hugetlb memory; SIGKILL of a
 * task holding MRs; fork() with a registered MR (copy-on-fork);
 * MADV_DONTNEED on a registered MR; RLIMIT_MEMLOCK for an unprivileged
 * user; RDMA WRITE and READ over an RC QP looped back on the device; bad
 * input (unmapped, PROT_NONE, a writable shared mapping of a file that
 * needs writeback, zero length, an address range that overflows); an MR
 * on an msharefs region (CONFIG_MSHARE) shared with another process,
 * through MSHAREFS_UNMAP, deregistration and SIGKILL; an MR
 * over a HugeTLB page mapped at 4 KiB (CONFIG_HUGETLB_HGM: MADV_SPLIT and
 * 4 KiB UFFDIO_CONTINUEs; a 1 GiB page if two are free, else 2 MiB) taking
 * RDMA WRITEs from a peer QP, then punch-hole while registered: the
 * pinned orphan serves the device until dereg returns it to the pool.
 *
 * Needs root, an rxe device (default rxe0, GID index 0: -d, -g) and, for
 * the file case, a 9p file system mounted writable at /run/scratch (-f).
 *
 * "rdma_pin -M" runs only the msharefs cases.
 * "rdma_pin -b MB" is a benchmark instead: ibv_reg_mr() + ibv_dereg_mr()
 * of MB MiB backed by 4 KiB pages, THP and hugetlb, median times.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/memfd.h>
#include <linux/userfaultfd.h>
#include <infiniband/verbs.h>
#include <linux/msharefs.h>

#include "../kselftest.h"
#include "../mm/pin_util.h"

#define MAX_REC		4096
#define NOBODY		65534
#define ACCESS_RW	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)

static const char *dev_name = "rxe0";
static int gid_index;
static const char *scratch_dir = "/run/scratch";
static size_t pagesize, thpsize;
static bool tracker_on;
static struct ibv_context *ctx;
static struct ibv_pd *pd;

struct pins {
	long acq;
	long rel;
};

enum mem_type { ANON, SHMEM, THP, HUGETLB, NR_MEM };
static const char * const mem_names[] = { "anon", "shmem", "THP", "hugetlb" };

/* The foll_pin counters, per-CPU deltas folded in first. */
static void read_pins(struct pins *p)
{
	char name[64];
	long val;
	FILE *f;

	pin_write_file("/proc/sys/vm/stat_refresh", "1");
	p->acq = -1;
	p->rel = -1;
	f = fopen("/proc/vmstat", "r");
	if (!f)
		ksft_exit_fail_msg("/proc/vmstat: %s\n", strerror(errno));
	while (fscanf(f, "%63s %ld", name, &val) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			p->acq = val;
		else if (!strcmp(name, "nr_foll_pin_released"))
			p->rel = val;
	}
	fclose(f);
	if (p->acq < 0 || p->rel < 0)
		ksft_exit_fail_msg("no nr_foll_pin_* in /proc/vmstat\n");
}

/*
 * Pages acquired and released since @p0 must be @acq and @rel. The
 * counters are global, and other kernel users pin too while we measure
 * (the 9p root's zero-copy I/O pins its pages for the length of each
 * request): so a surplus is accepted when it is balanced, the same number
 * of extra pins acquired and released, which is what a short-lived pin of
 * someone else looks like. One still in flight is waited for: the counters
 * are read again, up to 50 times 20 ms apart. A pin of ours leaked or
 * missing, or an unpin too many, unbalances the surplus and fails.
 */
static bool pins_moved(const char *what, struct pins *p0, long acq, long rel)
{
	struct pins p1;
	long extra;
	int tries;

	for (tries = 0; tries < 50; tries++) {
		if (tries)
			usleep(20000);
		read_pins(&p1);
		extra = p1.acq - p0->acq - acq;
		if (extra >= 0 && p1.rel - p0->rel - rel == extra) {
			if (extra)
				ksft_print_msg("%s: %ld balanced foll_pin of other users ignored\n",
					       what, extra);
			return true;
		}
	}
	ksft_print_msg("%s: foll_pin acquired +%ld released +%ld, want +%ld +%ld (+ balanced)\n",
		       what, p1.acq - p0->acq, p1.rel - p0->rel, acq, rel);
	return false;
}

/* Net pins since @p0 must be zero, with at least @min acquired. */
static bool pins_balanced(const char *what, struct pins *p0, long min)
{
	struct pins p1;
	int tries;

	for (tries = 0; tries < 50; tries++) {
		if (tries)
			usleep(20000);
		read_pins(&p1);
		if (p1.acq - p0->acq == p1.rel - p0->rel && p1.acq - p0->acq >= min)
			return true;
	}
	ksft_print_msg("%s: foll_pin acquired +%ld released +%ld (at least %ld, balanced)\n",
		       what, p1.acq - p0->acq, p1.rel - p0->rel, min);
	return false;
}

/* Print the tracker's first record of @pid, with its pinning stack. */
static void show_first_record(int pid)
{
	char buf[64], line[512];
	int lines = 0;
	FILE *f;

	snprintf(buf, sizeof(buf), "%d", pid);
	if (pin_write_file(PPT_DIR "/filter_pid", buf))
		return;
	f = fopen(PPT_DIR "/pinned", "r");
	while (f && fgets(line, sizeof(line), f) && line[0] != '\n' && lines++ < 20)
		ksft_print_msg("  %s", line);
	if (f)
		fclose(f);
	pin_write_file(PPT_DIR "/filter_pid", "0");
}

/* PFNs of @n pages at @mem in @pid's address space (0: not present). */
static int get_pfns(int pid, char *mem, size_t n, unsigned long *pfns)
{
	char path[64];
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned long long ent = 0;
		off_t off = (uintptr_t)(mem + i * pagesize) / pagesize * 8;

		if (pread(fd, &ent, sizeof(ent), off) != sizeof(ent)) {
			close(fd);
			return -1;
		}
		pfns[i] = ent >> 63 ? ent & ((1ULL << 55) - 1) : 0;
	}
	close(fd);
	return 0;
}

/*
 * With the tracker on: @pid's listing holds exactly the @n pages @pfns,
 * each with one long-term pin, attributed to @comm. Without it: true.
 */
static bool tracker_lists(const char *what, int pid, unsigned long *pfns, size_t n,
			  const char *comm)
{
	static struct pin_rec recs[MAX_REC];
	bool ok = true;
	size_t i;
	int j, nr;

	if (!tracker_on)
		return true;
	nr = pin_read_listing(pid, recs, MAX_REC);
	if (nr < 0) {
		ksft_print_msg("%s: cannot read the tracker listing\n", what);
		return false;
	}
	if ((size_t)nr != n) {
		ksft_print_msg("%s: tracker lists %d pages of pid %d, expected %zu\n",
			       what, nr, pid, n);
		return false;
	}
	for (i = 0; i < n && ok; i++) {
		for (j = 0; j < nr && j < MAX_REC; j++)
			if (recs[j].pfn == pfns[i])
				break;
		if (j == nr || j == MAX_REC) {
			ksft_print_msg("%s: page %zu (pfn 0x%lx) not listed\n", what, i, pfns[i]);
			ok = false;
		} else if (recs[j].count != 1 || recs[j].longterm != 1 ||
			   strcmp(recs[j].comm, comm)) {
			ksft_print_msg("%s: pfn 0x%lx: count=%d longterm=%d comm=%s\n",
				       what, pfns[i], recs[j].count, recs[j].longterm,
				       recs[j].comm);
			ok = false;
		}
	}
	return ok;
}

static bool tracker_empty(const char *what, int pid)
{
	return tracker_lists(what, pid, NULL, 0, "");
}

/* Is [mem, mem + size) backed by THPs? (AnonHugePages of its VMA) */
static bool thp_backed(char *mem, size_t size)
{
	unsigned long start, end;
	char line[256];
	bool in = false, ok = false;
	long kb;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start <= (uintptr_t)mem && (uintptr_t)mem < end;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1) {
			ok = (size_t)kb * 1024 >= size;
			break;
		}
	}
	fclose(f);
	return ok;
}

/* @size bytes of @type memory, filled with @fill; NULL when unavailable. */
static char *map_mem(enum mem_type type, size_t size, int fill)
{
	int prot = PROT_READ | PROT_WRITE;
	char *mem, *raw;

	switch (type) {
	case ANON:
		mem = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case SHMEM:
		mem = mmap(NULL, size, prot, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		break;
	case THP:
		raw = mmap(NULL, size + thpsize, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (raw == MAP_FAILED)
			return NULL;
		mem = (char *)(((uintptr_t)raw + thpsize - 1) & ~(thpsize - 1));
		if (madvise(mem, size, MADV_HUGEPAGE))
			return NULL;
		break;
	case HUGETLB:
		mem = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		break;
	default:
		return NULL;
	}
	if (mem == MAP_FAILED)
		return NULL;
	memset(mem, fill, size);
	if (type == THP && !thp_backed(mem, size))
		return NULL;
	return mem;
}

static size_t mem_size(enum mem_type type)
{
	return type == THP || type == HUGETLB ? thpsize : 64 * pagesize;
}

static struct ibv_context *open_dev(void)
{
	struct ibv_device **list;
	struct ibv_context *c = NULL;
	int i, n;

	list = ibv_get_device_list(&n);
	if (!list)
		return NULL;
	for (i = 0; i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), dev_name))
			c = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	return c;
}

/* Two RC QPs on the device, connected to each other through the GID. */
struct loop {
	struct ibv_cq *cq;
	struct ibv_qp *qp[2];
};

static int qp_connect(struct ibv_qp *qp, uint32_t dest, union ibv_gid *gid,
		      enum ibv_mtu mtu)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT,
		.port_num = 1,
		.qp_access_flags = ACCESS_RW,
	};

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			  IBV_QP_ACCESS_FLAGS))
		return -1;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = mtu;
	a.dest_qp_num = dest;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = *gid;
	a.ah_attr.grh.sgid_index = gid_index;
	a.ah_attr.grh.hop_limit = 1;
	a.ah_attr.port_num = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
			  IBV_QP_MIN_RNR_TIMER))
		return -1;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			     IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

static int loop_create(struct loop *l)
{
	struct ibv_qp_init_attr init = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4, .max_send_sge = 1,
			 .max_recv_sge = 1 },
	};
	struct ibv_port_attr port;
	union ibv_gid gid;
	int i;

	memset(l, 0, sizeof(*l));
	if (ibv_query_port(ctx, 1, &port) || ibv_query_gid(ctx, 1, gid_index, &gid))
		return -1;
	l->cq = ibv_create_cq(ctx, 16, NULL, NULL, 0);
	if (!l->cq)
		return -1;
	init.send_cq = l->cq;
	init.recv_cq = l->cq;
	for (i = 0; i < 2; i++) {
		l->qp[i] = ibv_create_qp(pd, &init);
		if (!l->qp[i])
			return -1;
	}
	for (i = 0; i < 2; i++)
		if (qp_connect(l->qp[i], l->qp[!i]->qp_num, &gid, port.active_mtu))
			return -1;
	return 0;
}

static void loop_destroy(struct loop *l)
{
	int i;

	for (i = 0; i < 2; i++)
		if (l->qp[i])
			ibv_destroy_qp(l->qp[i]);
	if (l->cq)
		ibv_destroy_cq(l->cq);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * RDMA WRITE (or READ) of @len bytes between @local (in @lmr) and @remote
 * (in @rmr) on QP 0, and wait for its completion. 0 on success.
 */
static int rdma_op(struct loop *l, enum ibv_wr_opcode op, char *local, struct ibv_mr *lmr,
		   char *remote, struct ibv_mr *rmr, size_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)local, .length = len, .lkey = lmr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = 1, .sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;
	struct ibv_wc wc;
	double end = now() + 60;
	int n;

	wr.wr.rdma.remote_addr = (uintptr_t)remote;
	wr.wr.rdma.rkey = rmr->rkey;
	if (ibv_post_send(l->qp[0], &wr, &bad)) {
		ksft_print_msg("ibv_post_send: %s\n", strerror(errno));
		return -1;
	}
	do {
		n = ibv_poll_cq(l->cq, 1, &wc);
		if (n < 0)
			return -1;
		if (n) {
			if (wc.status != IBV_WC_SUCCESS)
				ksft_print_msg("RDMA %s: %s\n", op == IBV_WR_RDMA_READ ?
					       "READ" : "WRITE", ibv_wc_status_str(wc.status));
			return wc.status == IBV_WC_SUCCESS ? 0 : -1;
		}
	} while (now() < end);
	ksft_print_msg("no completion after 60s\n");
	return -1;
}

/* Register an MR of N pages: exactly N pages pinned long term; 0 after dereg. */
static void test_reg_mr(enum mem_type type)
{
	size_t size = mem_size(type), n = size / pagesize;
	static unsigned long pfns[MAX_REC];
	const char *name = mem_names[type];
	struct pins p0, p1;
	struct ibv_mr *mr;
	bool ok = true;
	char *mem;

	mem = map_mem(type, size, 0x5a);
	if (!mem) {
		ksft_test_result_skip("reg_mr %s: no %s memory\n", name, name);
		return;
	}
	read_pins(&p0);
	mr = ibv_reg_mr(pd, mem, size, ACCESS_RW);
	if (!mr) {
		ksft_test_result_fail("reg_mr %s: ibv_reg_mr: %s\n", name, strerror(errno));
		munmap(mem, size);
		return;
	}
	ok &= pins_moved("registered", &p0, n, 0);
	ok &= !get_pfns(getpid(), mem, n, pfns);
	ok &= tracker_lists("registered", getpid(), pfns, n, "rdma_pin");
	if (tracker_on && type == ANON) {
		ksft_print_msg("first of the MR's %zu records in %s/pinned:\n", n, PPT_DIR);
		show_first_record(getpid());
	}
	read_pins(&p1);
	if (ibv_dereg_mr(mr))
		ok = false;
	ok &= pins_moved("deregistered", &p1, 0, n);
	ok &= tracker_empty("deregistered", getpid());
	munmap(mem, size);
	ksft_test_result(ok, "reg_mr %s: %zu pages pinned long term, 0 after dereg\n",
			 name, n);
}

/* SIGKILL a task while it holds MRs: all its pins are released. */
static void test_kill(void)
{
	int pfd[2], status;
	struct pins p0;
	long total = 0;
	bool ok = true;
	pid_t pid;

	if (pipe(pfd))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	read_pins(&p0);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		struct ibv_context *c = open_dev();
		struct ibv_pd *p = c ? ibv_alloc_pd(c) : NULL;
		enum mem_type t;
		long pages = 0;

		for (t = ANON; p && t < NR_MEM; t++) {
			char *mem = map_mem(t, mem_size(t), 0x11);

			if (mem && ibv_reg_mr(p, mem, mem_size(t), ACCESS_RW))
				pages += mem_size(t) / pagesize;
			else if (mem)
				pages = -1000000;
		}
		if (write(pfd[1], &pages, sizeof(pages)) != sizeof(pages))
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &total, sizeof(total)) != sizeof(total) || total <= 0) {
		ksft_print_msg("the child could not register its MRs (%ld)\n", total);
		ok = false;
	}
	close(pfd[0]);
	if (ok && tracker_on) {
		static struct pin_rec recs[MAX_REC];
		int n = pin_read_listing(pid, recs, MAX_REC), i, lt = 0;

		for (i = 0; i < n && i < MAX_REC; i++)
			lt += recs[i].count == 1 && recs[i].longterm == 1 &&
			      !strcmp(recs[i].comm, "rdma_pin");
		if (n != total || lt != total) {
			ksft_print_msg("before kill: %d pages (%d long term) of %d, not %ld\n",
				       n, lt, pid, total);
			ok = false;
		}
	}
	if (ok)
		ok &= pins_moved("before kill", &p0, total, 0);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		ok = false;
	ok &= pins_moved("after kill", &p0, total > 0 ? total : 0, total > 0 ? total : 0);
	ok &= tracker_empty("after kill", pid);
	ksft_test_result(ok, "SIGKILL with %ld pages in MRs (anon/shmem/THP/hugetlb): released\n",
			 total);
}

/* Fill @mr's first @len bytes from the device's view into @dst. */
static bool mr_reads(struct loop *l, struct ibv_mr *mr, char *buf, struct ibv_mr *lmr,
		     size_t len, int want)
{
	size_t i;

	memset(buf, 0, len);
	if (rdma_op(l, IBV_WR_RDMA_READ, buf, lmr, mr->addr, mr, len))
		return false;
	for (i = 0; i < len; i++)
		if (buf[i] != want) {
			ksft_print_msg("RDMA READ: byte %zu is 0x%02x, expected 0x%02x\n",
				       i, buf[i] & 0xff, want);
			return false;
		}
	return true;
}

/*
 * fork() with a registered MR: the child gets its own copy (the pinned
 * pages are copied at fork), the parent keeps the pinned pages, so the MR
 * still sees the parent's data after the child writes, and the parent's
 * later writes still reach the MR.
 */
static void test_fork(void)
{
	size_t size = 16 * pagesize, n = size / pagesize;
	unsigned long pfn0[32], pfn1[16], cpfn[16];
	char *buf = map_mem(ANON, size, 'P');
	char *local = map_mem(ANON, size, 0);
	struct ibv_mr *mr, *lmr;
	int go[2], done[2], status;
	struct pins p0;
	struct loop l;
	bool ok = true;
	char c = 0;
	pid_t pid;

	if (!buf || !local || loop_create(&l)) {
		ksft_test_result_fail("fork: setup: %s\n", strerror(errno));
		return;
	}
	ksft_print_msg("ibv_is_fork_initialized() = %d (%s)\n", ibv_is_fork_initialized(),
		       ibv_is_fork_initialized() == IBV_FORK_UNNEEDED ?
		       "IBV_FORK_UNNEEDED: the kernel copies pinned pages at fork" : "other");
	read_pins(&p0);
	mr = ibv_reg_mr(pd, buf, size, ACCESS_RW);
	lmr = ibv_reg_mr(pd, local, size, ACCESS_RW);
	if (!mr || !lmr || pipe(go) || pipe(done)) {
		ksft_test_result_fail("fork: ibv_reg_mr: %s\n", strerror(errno));
		return;
	}
	/* pfn0: the MR's pages, then those of the local MR. */
	get_pfns(getpid(), buf, n, pfn0);
	get_pfns(getpid(), local, n, pfn0 + n);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		size_t i;

		memset(buf, 'C', size);
		for (i = 0; i < size; i++)
			if (buf[i] != 'C')
				_exit(1);
		if (write(go[1], "w", 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	if (read(go[0], &c, 1) != 1)
		ok = false;
	/* The child has written its copy and is still alive. */
	get_pfns(pid, buf, n, cpfn);
	if (cpfn[0] == pfn0[0]) {
		ksft_print_msg("the child maps the parent's pinned page 0x%lx\n", pfn0[0]);
		ok = false;
	}
	ok &= mr_reads(&l, mr, local, lmr, size, 'P');
	ok &= buf[0] == 'P' && buf[size - 1] == 'P';
	memset(buf, 'Q', size);
	ok &= mr_reads(&l, mr, local, lmr, size, 'Q');
	get_pfns(getpid(), buf, n, pfn1);
	if (memcmp(pfn0, pfn1, sizeof(pfn1))) {
		ksft_print_msg("the parent's pages moved away from the MR\n");
		ok = false;
	}
	if (write(done[1], "x", 1) != 1)
		ok = false;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ksft_print_msg("the child did not see its own copy\n");
		ok = false;
	}
	ok &= tracker_lists("after fork", getpid(), pfn0, 2 * n, "rdma_pin");
	ibv_dereg_mr(mr);
	ibv_dereg_mr(lmr);
	ok &= pins_balanced("fork", &p0, 2 * n);
	ok &= tracker_empty("after dereg", getpid());
	loop_destroy(&l);
	munmap(buf, size);
	munmap(local, size);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	ksft_test_result(ok, "fork: the MR sees the parent's data after the child writes\n");
}

/*
 * MADV_DONTNEED on a registered (private anon) MR: the pages stay pinned
 * and are not freed. The process then sees fresh zero pages, the MR still
 * sees the old pages: the two no longer share memory until re-registration.
 */
static void test_dontneed(void)
{
	size_t size = 16 * pagesize, n = size / pagesize;
	char *buf = map_mem(ANON, size, 'A');
	char *local = map_mem(ANON, size, 0);
	unsigned long pfns[16];
	struct ibv_mr *mr, *lmr;
	struct pins p0, p1;
	struct loop l;
	bool ok = true;

	if (!buf || !local || loop_create(&l)) {
		ksft_test_result_fail("MADV_DONTNEED: setup: %s\n", strerror(errno));
		return;
	}
	read_pins(&p0);
	mr = ibv_reg_mr(pd, buf, size, ACCESS_RW);
	lmr = ibv_reg_mr(pd, local, size, ACCESS_RW);
	if (!mr || !lmr) {
		ksft_test_result_fail("MADV_DONTNEED: ibv_reg_mr: %s\n", strerror(errno));
		return;
	}
	get_pfns(getpid(), buf, n, pfns);
	read_pins(&p1);
	if (madvise(buf, size, MADV_DONTNEED)) {
		ksft_test_result_fail("MADV_DONTNEED: %s\n", strerror(errno));
		return;
	}
	/* Still pinned: nothing released, the same pages listed. */
	ok &= pins_moved("after MADV_DONTNEED", &p1, 0, 0);
	if (tracker_on) {
		static struct pin_rec recs[MAX_REC];
		int i, j, nr = pin_read_listing(getpid(), recs, MAX_REC), found = 0;

		for (i = 0; i < (int)n; i++)
			for (j = 0; j < nr && j < MAX_REC; j++)
				found += recs[j].pfn == pfns[i] && recs[j].count == 1 &&
					 recs[j].longterm == 1;
		if (found != (int)n) {
			ksft_print_msg("after MADV_DONTNEED: %d of %zu MR pages listed\n",
				       found, n);
			ok = false;
		}
	}
	/* The process sees zero pages; the MR the old data. */
	if (buf[0] || buf[size - 1]) {
		ksft_print_msg("after MADV_DONTNEED the process still reads 0x%02x\n", buf[0]);
		ok = false;
	}
	ok &= mr_reads(&l, mr, local, lmr, size, 'A');
	memset(buf, 'B', size);
	ok &= mr_reads(&l, mr, local, lmr, size, 'A');
	ibv_dereg_mr(mr);
	ibv_dereg_mr(lmr);
	ok &= pins_balanced("MADV_DONTNEED", &p0, 2 * n);
	ok &= tracker_empty("after dereg", getpid());
	loop_destroy(&l);
	munmap(buf, size);
	munmap(local, size);
	ksft_test_result(ok, "MADV_DONTNEED: pages stay pinned, MR keeps old data, CPU sees 0\n");
}

struct memlock_result {
	int small_ok;
	int big_err;
	int open_err;
};

/*
 * An unprivileged user (nobody, no CAP_IPC_LOCK) with RLIMIT_MEMLOCK of
 * 64 KiB: an 8 KiB MR works, a 1 MiB one fails with ENOMEM, no pins left.
 */
static void test_memlock(void)
{
	struct memlock_result r = { 0, 0, 0 };
	int pfd[2], status;
	struct pins p0;
	bool ok = true;
	pid_t pid;

	if (pipe(pfd))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	read_pins(&p0);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		struct rlimit rl = { 64 << 10, 64 << 10 };
		struct ibv_context *c;
		struct ibv_mr *small, *big;
		char *mem = map_mem(ANON, 1 << 20, 1);
		struct ibv_pd *p;

		if (!mem || setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
		    setgid(NOBODY) || setuid(NOBODY))
			_exit(2);
		c = open_dev();
		p = c ? ibv_alloc_pd(c) : NULL;
		if (!p) {
			r.open_err = errno ? errno : ENODEV;
		} else {
			small = ibv_reg_mr(p, mem, 8192, IBV_ACCESS_LOCAL_WRITE);
			r.small_ok = !!small;
			big = ibv_reg_mr(p, mem, 1 << 20, IBV_ACCESS_LOCAL_WRITE);
			r.big_err = big ? 0 : errno;
			if (small)
				ibv_dereg_mr(small);
			if (big)
				ibv_dereg_mr(big);
		}
		_exit(write(pfd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(pfd[1]);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
		ksft_test_result_skip("RLIMIT_MEMLOCK: cannot become nobody\n");
		close(pfd[0]);
		return;
	}
	if (read(pfd[0], &r, sizeof(r)) != sizeof(r) || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		ksft_print_msg("the child failed\n");
		ok = false;
	}
	close(pfd[0]);
	if (r.open_err) {
		ksft_print_msg("nobody cannot open %s: %s\n", dev_name, strerror(r.open_err));
		ok = false;
	}
	if (!r.small_ok) {
		ksft_print_msg("an 8 KiB MR within the limit failed\n");
		ok = false;
	}
	if (r.big_err != ENOMEM) {
		ksft_print_msg("a 1 MiB MR over a 64 KiB limit gave %s, expected ENOMEM\n",
			       r.big_err ? strerror(r.big_err) : "success");
		ok = false;
	}
	ok &= pins_moved("memlock", &p0, r.small_ok ? 2 : 0, r.small_ok ? 2 : 0);
	ok &= tracker_empty("after exit", pid);
	ksft_test_result(ok, "RLIMIT_MEMLOCK 64K as nobody: 8K MR ok, 1M ENOMEM, no pins left\n");
}

/* RDMA WRITE then READ over the looped-back RC QP, @type memory as target. */
static void test_loopback(enum mem_type type)
{
	size_t size = mem_size(type), n = size / pagesize, i;
	static unsigned long pfn0[2 * MAX_REC], pfn1[MAX_REC];
	const char *name = mem_names[type];
	char *src = map_mem(ANON, size, 0);
	char *dst = map_mem(type, size, 0);
	struct ibv_mr *smr, *dmr;
	struct pins p0;
	struct loop l;
	bool ok = true;

	if (!dst) {
		ksft_test_result_skip("RDMA WRITE/READ %s: no %s memory\n", name, name);
		return;
	}
	if (!src || loop_create(&l)) {
		ksft_test_result_fail("RDMA WRITE/READ %s: setup: %s\n", name, strerror(errno));
		return;
	}
	for (i = 0; i < size; i++)
		src[i] = (char)(i * 7 + i / pagesize + 3);
	read_pins(&p0);
	smr = ibv_reg_mr(pd, src, size, ACCESS_RW);
	dmr = ibv_reg_mr(pd, dst, size, ACCESS_RW);
	if (!smr || !dmr) {
		ksft_test_result_fail("RDMA WRITE/READ %s: ibv_reg_mr: %s\n", name,
				      strerror(errno));
		return;
	}
	ok &= pins_moved("registered", &p0, 2 * n, 0);
	/* pfn0: the target's pages, then the source's. */
	get_pfns(getpid(), dst, n, pfn0);
	get_pfns(getpid(), src, n, pfn0 + n);
	if (rdma_op(&l, IBV_WR_RDMA_WRITE, src, smr, dst, dmr, size) || memcmp(src, dst, size)) {
		ksft_print_msg("RDMA WRITE: the data did not land in %s memory\n", name);
		ok = false;
	}
	for (i = 0; i < size; i++)
		dst[i] = (char)(i * 13 + 1);
	memset(src, 0, size);
	if (rdma_op(&l, IBV_WR_RDMA_READ, src, smr, dst, dmr, size) || memcmp(src, dst, size)) {
		ksft_print_msg("RDMA READ: the data read is not %s memory's\n", name);
		ok = false;
	}
	get_pfns(getpid(), dst, n, pfn1);
	if (memcmp(pfn0, pfn1, n * sizeof(pfn0[0]))) {
		ksft_print_msg("%s: the target's pages changed while registered\n", name);
		ok = false;
	}
	ok &= tracker_lists("registered", getpid(), pfn0, 2 * n, "rdma_pin");
	ibv_dereg_mr(smr);
	ibv_dereg_mr(dmr);
	ok &= pins_moved("deregistered", &p0, 2 * n, 2 * n);
	ok &= tracker_empty("deregistered", getpid());
	loop_destroy(&l);
	munmap(src, size);
	munmap(dst, size);
	ksft_test_result(ok, "RDMA WRITE/READ %s: %zu bytes land in the pinned pages\n", name,
			 size);
}

/* Is @dir a 9p mount point? (statfs() reports the server's fs type) */
static bool is_9p_mount(const char *dir)
{
	char line[512], mnt[256], type[64];
	bool found = false;
	FILE *f = fopen("/proc/self/mounts", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %255s %63s", mnt, type) == 2 &&
			!strcmp(mnt, dir) && !strcmp(type, "9p");
	fclose(f);
	return found;
}

/* ibv_reg_mr(@addr, @len) must fail with @want and leave no pin. */
static void expect_reg_error(const char *what, void *addr, size_t len, int access, int want)
{
	struct ibv_mr *mr;
	struct pins p0;
	bool ok = true;
	int err;

	read_pins(&p0);
	errno = 0;
	mr = ibv_reg_mr(pd, addr, len, access);
	err = errno;
	if (mr) {
		ksft_print_msg("%s: registered\n", what);
		ibv_dereg_mr(mr);
		ok = false;
	} else if (err != want) {
		ksft_print_msg("%s: %s, expected %s\n", what, strerror(err), strerror(want));
		ok = false;
	}
	ok &= pins_balanced(what, &p0, 0);
	ok &= tracker_empty(what, getpid());
	ksft_test_result(ok, "bad input: %s: %s, no pins left\n", what, strerror(want));
}

static void test_bad_input(void)
{
	size_t size = 16 * pagesize;
	char *mem, path[256];
	int fd;

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || munmap(mem, size))
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	expect_reg_error("unmapped memory", mem, size, ACCESS_RW, EFAULT);

	mem = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	expect_reg_error("PROT_NONE", mem, size, ACCESS_RW, EFAULT);
	munmap(mem, size);

	/* A shared writable mapping of a file that needs writeback (9p). */
	snprintf(path, sizeof(path), "%s/rdma_pin.%d", scratch_dir, getpid());
	if (!is_9p_mount(scratch_dir)) {
		ksft_test_result_skip("bad input: writable file mapping: %s is not a 9p mount\n",
				      scratch_dir);
		ksft_test_result_skip("file mapping, read-only MR: %s is not a 9p mount\n",
				      scratch_dir);
	} else {
		struct ibv_mr *mr;
		struct pins p0;
		bool ok;

		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || ftruncate(fd, size))
			ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (mem == MAP_FAILED)
			ksft_exit_fail_msg("mmap %s: %s\n", path, strerror(errno));
		memset(mem, 'F', size);
		expect_reg_error("writable file mapping (9p, needs writeback)", mem, size,
				 ACCESS_RW, EFAULT);
		/* Without FOLL_WRITE the same long-term pin is allowed. */
		read_pins(&p0);
		mr = ibv_reg_mr(pd, mem, size, 0);
		ok = mr && pins_moved("read-only MR", &p0, size / pagesize, 0);
		if (mr)
			ibv_dereg_mr(mr);
		else
			ksft_print_msg("read-only MR: %s\n", strerror(errno));
		ok &= pins_balanced("read-only MR", &p0, 0);
		ksft_test_result(ok, "file mapping, read-only MR (no FOLL_WRITE): allowed\n");
		munmap(mem, size);
		close(fd);
		unlink(path);
	}

	mem = map_mem(ANON, size, 0);
	expect_reg_error("zero length", mem, 0, ACCESS_RW, EINVAL);
	munmap(mem, size);
	expect_reg_error("address range that overflows", (void *)(UINTPTR_MAX - pagesize + 1),
			 2 * pagesize, ACCESS_RW, EINVAL);
}

/* ---------------------------------------------------------------- */
/* An MR on an msharefs region (CONFIG_MSHARE)                       */

#define MSHARE_ALIGN	(512ULL << 30)	/* P4D_SIZE: the region size */
#define MSHARE_PAGES	64

static char ms_root[32];
static char ms_path[64];

/* A "Key:   N kB" line of /proc/PID/status, in kB; -1 if missing. */
static long status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t len = strlen(key);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return kb;
}

static bool msharefs_present(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = !!strstr(line, "\tmsharefs\n");
	if (f)
		fclose(f);
	return found;
}

static int ms_map(int fd, uint64_t off, size_t size)
{
	struct mshare_create mc = {
		.region_offset = off, .size = size,
		.prot = PROT_READ | PROT_WRITE,
		.flags = MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS, .fd = -1,
	};

	return ioctl(fd, MSHAREFS_CREATE_MAPPING, &mc);
}

static int ms_unmap(int fd, uint64_t off, size_t size)
{
	struct mshare_unmap mu = { .region_offset = off, .size = size };

	return ioctl(fd, MSHAREFS_UNMAP, &mu);
}

/* The whole region, at an address the kernel finds; MAP_FAILED on error. */
static char *ms_mmap(int fd)
{
	return mmap(NULL, MSHARE_ALIGN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
}

static char ms_byte(size_t i, int round)
{
	return (char)(i * 31 + i / 4096 + round * 17 + 1);
}

/*
 * Sharer A: maps the region itself, checks that it reads what the peer
 * QP wrote into B's MR (round 1), writes round 2 for the device to read,
 * waits, then MSHAREFS_UNMAPs the range while B's MR is live.
 */
static int sharer_a(int to_b, int from_b)
{
	size_t size = MSHARE_PAGES * pagesize, i;
	int fd = open(ms_path, O_RDWR);
	char *m, c;

	if (fd < 0)
		return 10;
	m = ms_mmap(fd);
	if (m == MAP_FAILED)
		return 11;
	for (i = 0; i < size; i++)
		if (m[i] != ms_byte(i, 1)) {
			printf("# A: byte %zu reads 0x%02x, the RDMA WRITE put 0x%02x\n",
			       i, m[i] & 0xff, ms_byte(i, 1) & 0xff);
			return 12;
		}
	printf("# A (pid %d): reads the peer QP's RDMA WRITE through its own mapping at %p\n",
	       getpid(), (void *)m);
	for (i = 0; i < size; i++)
		m[i] = ms_byte(i, 2);
	printf("# A: wrote round 2 through its mapping\n");
	fflush(stdout);
	if (write(to_b, "w", 1) != 1 || read(from_b, &c, 1) != 1)
		return 13;
	if (ms_unmap(fd, 0, size))
		return 14;
	printf("# A: MSHAREFS_UNMAP of the MR's range while the MR is live: 0\n");
	fflush(stdout);
	if (write(to_b, "u", 1) != 1)
		return 15;
	return 0;
}

/*
 * Two processes and an RDMA MR share one region. B (this process) maps it
 * and registers 64 pages it never touched (the pin faults them in through
 * the host mm); the peer QP RDMA WRITEs into the MR; A reads the data
 * through its own mapping, writes new data that an RDMA READ of the MR
 * returns, and MSHAREFS_UNMAPs the range with the MR live. The MR's pages
 * stay valid (RDMA WRITE and READ still work) until B deregisters; then
 * every pin is released, VmPin is back where it was, and the tracker
 * lists nothing for B.
 */
static void test_mshare_mr(void)
{
	size_t size = MSHARE_PAGES * pagesize, n = MSHARE_PAGES, i;
	/* the MR's pages, then those of the local MR (B's own memory) */
	static unsigned long pfns[2 * MSHARE_PAGES];
	char *m = MAP_FAILED, *local = NULL, c;
	int fd = -1, ab[2], ba[2], status;
	long pin0, pin1, pin2;
	struct ibv_mr *mr = NULL, *lmr = NULL;
	struct pins p0, p1;
	struct loop l = { 0 };
	bool ok = true, looped = false;
	pid_t a = -1;

	snprintf(ms_path, sizeof(ms_path), "%s/mr", ms_root);
	fd = open(ms_path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, MSHARE_ALIGN) || ms_map(fd, 0, size)) {
		ksft_test_result_fail("mshare MR: region: %s\n", strerror(errno));
		goto out;
	}
	m = ms_mmap(fd);
	local = map_mem(ANON, size, 0);
	if (m == MAP_FAILED || !local || loop_create(&l) || pipe(ab) || pipe(ba)) {
		ksft_test_result_fail("mshare MR: setup: %s\n", strerror(errno));
		goto out;
	}
	looped = true;
	lmr = ibv_reg_mr(pd, local, size, ACCESS_RW);
	if (!lmr) {
		ksft_test_result_fail("mshare MR: local MR: %s\n", strerror(errno));
		goto out;
	}
	if (get_pfns(getpid(), local, n, pfns + n)) {
		ksft_test_result_fail("mshare MR: pagemap: %s\n", strerror(errno));
		goto out;
	}
	read_pins(&p0);
	pin0 = status_kb(getpid(), "VmPin");
	/* B has never touched the range: the pin faults it in, in the host. */
	mr = ibv_reg_mr(pd, m, size, ACCESS_RW);
	if (!mr) {
		ksft_test_result_fail("mshare MR: ibv_reg_mr of untouched mshare memory: %s\n",
				      strerror(errno));
		goto out;
	}
	pin1 = status_kb(getpid(), "VmPin");
	ksft_print_msg("B (pid %d): %s mapped at %p\n", getpid(), ms_path, (void *)m);
	ksft_print_msg("B: ibv_reg_mr of %zu untouched pages: lkey 0x%x, VmPin %ld -> %ld kB\n",
		       n, mr->lkey, pin0, pin1);
	ok &= pins_moved("mshare MR registered", &p0, n, 0);
	if (pin1 - pin0 != (long)(size >> 10)) {
		ksft_print_msg("VmPin rose by %ld kB, expected %zu\n", pin1 - pin0, size >> 10);
		ok = false;
	}
	ok &= !get_pfns(getpid(), m, n, pfns);
	for (i = 0; i < n; i++)
		if (!pfns[i]) {
			ksft_print_msg("page %zu of the MR is not present after the pin\n", i);
			ok = false;
			break;
		}
	ok &= tracker_lists("mshare MR registered", getpid(), pfns, 2 * n, "rdma_pin");

	for (i = 0; i < size; i++)
		local[i] = ms_byte(i, 1);
	if (rdma_op(&l, IBV_WR_RDMA_WRITE, local, lmr, m, mr, size)) {
		ksft_print_msg("RDMA WRITE into the mshare MR failed\n");
		ok = false;
	}
	ksft_print_msg("peer QP %u: RDMA WRITE of %zu bytes into the MR (rkey 0x%x)\n",
		       l.qp[1]->qp_num, size, mr->rkey);
	fflush(stdout);
	a = fork();
	if (a < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!a) {
		close(ab[0]);
		close(ba[1]);
		_exit(sharer_a(ab[1], ba[0]));
	}
	close(ab[1]);
	close(ba[0]);
	if (read(ab[0], &c, 1) != 1) {
		ksft_print_msg("A failed before writing\n");
		ok = false;
	} else {
		memset(local, 0, size);
		if (rdma_op(&l, IBV_WR_RDMA_READ, local, lmr, m, mr, size))
			ok = false;
		for (i = 0; i < size; i++)
			if (local[i] != ms_byte(i, 2)) {
				ksft_print_msg("RDMA READ: byte %zu is 0x%02x, A wrote 0x%02x\n",
					       i, local[i] & 0xff, ms_byte(i, 2) & 0xff);
				ok = false;
				break;
			}
		ksft_print_msg("B: RDMA READ of the MR returns what A wrote%s\n",
			       i == size ? "" : ": NO");
	}
	read_pins(&p1);
	if (write(ba[1], "u", 1) != 1 || read(ab[0], &c, 1) != 1) {
		ksft_print_msg("A failed to unmap\n");
		ok = false;
	}
	waitpid(a, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ksft_print_msg("A exited with status 0x%x\n", status);
		ok = false;
	}
	/* The range is unmapped everywhere; the MR's pages live on. */
	ok &= pins_moved("after A's MSHAREFS_UNMAP", &p1, 0, 0);
	ok &= tracker_lists("after A's MSHAREFS_UNMAP", getpid(), pfns, 2 * n, "rdma_pin");
	for (i = 0; i < size; i++)
		local[i] = ms_byte(i, 3);
	if (rdma_op(&l, IBV_WR_RDMA_WRITE, local, lmr, m, mr, size)) {
		ksft_print_msg("RDMA WRITE after the UNMAP failed\n");
		ok = false;
	}
	memset(local, 0, size);
	if (rdma_op(&l, IBV_WR_RDMA_READ, local, lmr, m, mr, size)) {
		ksft_print_msg("RDMA READ after the UNMAP failed\n");
		ok = false;
	}
	for (i = 0; i < size; i++)
		if (local[i] != ms_byte(i, 3)) {
			ksft_print_msg("after the UNMAP, byte %zu of the MR is 0x%02x\n", i,
				       local[i] & 0xff);
			ok = false;
			break;
		}
	ksft_print_msg("B: after the UNMAP the MR still takes RDMA WRITE and READ%s\n",
		       i == size ? "" : ": NO");
	if (ibv_dereg_mr(mr))
		ok = false;
	mr = NULL;
	pin2 = status_kb(getpid(), "VmPin");
	ksft_print_msg("B: ibv_dereg_mr: VmPin %ld kB\n", pin2);
	if (pin2 != pin0) {
		ksft_print_msg("VmPin %ld kB after dereg, %ld before\n", pin2, pin0);
		ok = false;
	}
	ok &= pins_moved("mshare MR deregistered", &p0, n, n);
	/* only the local MR's pages are left */
	ok &= tracker_lists("mshare MR deregistered", getpid(), pfns + n, n, "rdma_pin");
	if (ibv_dereg_mr(lmr))
		ok = false;
	lmr = NULL;
	ok &= tracker_empty("both MRs deregistered", getpid());
	ksft_test_result(ok, "mshare MR: %s\n",
			 "untouched pages registered, RDMA WRITE seen by the other sharer, UNMAP with the MR live, dereg");
out:
	if (mr)
		ibv_dereg_mr(mr);
	if (lmr)
		ibv_dereg_mr(lmr);
	if (looped)
		loop_destroy(&l);
	if (local)
		munmap(local, size);
	if (m != MAP_FAILED)
		munmap(m, MSHARE_ALIGN);
	if (fd >= 0)
		close(fd);
	unlink(ms_path);
}

/*
 * A sharer is SIGKILLed with an MR live on a range of the region (never
 * touched before the registration): its pins are released, the tracker
 * lists nothing for it, and the other sharer (this process) still uses the
 * region.
 */
static void test_mshare_kill(void)
{
	size_t size = MSHARE_PAGES * pagesize, n = MSHARE_PAGES, i;
	int fd, pfd[2], status;
	long vmpin[2] = { -1, -1 };
	struct pins p0;
	bool ok = true;
	char *m;
	pid_t b;

	snprintf(ms_path, sizeof(ms_path), "%s/kill", ms_root);
	fd = open(ms_path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, MSHARE_ALIGN) || ms_map(fd, 0, size) || pipe(pfd)) {
		ksft_test_result_fail("mshare SIGKILL: region: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(ms_path);
		return;
	}
	read_pins(&p0);
	fflush(stdout);
	b = fork();
	if (b < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!b) {
		struct ibv_context *c = open_dev();
		struct ibv_pd *p = c ? ibv_alloc_pd(c) : NULL;
		char *mb = ms_mmap(fd);

		vmpin[0] = status_kb(getpid(), "VmPin");
		if (p && mb != MAP_FAILED && ibv_reg_mr(p, mb, size, ACCESS_RW))
			vmpin[1] = status_kb(getpid(), "VmPin");
		if (write(pfd[1], vmpin, sizeof(vmpin)) != sizeof(vmpin))
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], vmpin, sizeof(vmpin)) != sizeof(vmpin) || vmpin[1] < 0) {
		ksft_print_msg("the child could not register an MR on the region\n");
		ok = false;
	} else {
		ksft_print_msg("B (pid %d): MR on %zu untouched pages, VmPin %ld -> %ld kB\n",
			       b, n, vmpin[0], vmpin[1]);
		ok &= vmpin[1] - vmpin[0] == (long)(size >> 10);
		ok &= pins_moved("child's MR registered", &p0, n, 0);
		if (tracker_on) {
			static struct pin_rec recs[MAX_REC];
			int nr = pin_read_listing(b, recs, MAX_REC);

			if (nr != (int)n) {
				ksft_print_msg("tracker lists %d pages of %d, expected %zu\n",
					       nr, b, n);
				ok = false;
			}
		}
	}
	close(pfd[0]);
	kill(b, SIGKILL);
	waitpid(b, &status, 0);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		ok = false;
	ok &= pins_moved("after SIGKILL", &p0, n, n);
	ok &= tracker_empty("after SIGKILL", b);
	/* The region is still there for the other sharer. */
	m = ms_mmap(fd);
	if (m == MAP_FAILED) {
		ok = false;
	} else {
		for (i = 0; i < size; i += pagesize)
			m[i] = 'k';
		for (i = 0; i < size; i += pagesize)
			ok &= m[i] == 'k';
		munmap(m, MSHARE_ALIGN);
	}
	ok &= !ms_unmap(fd, 0, size);
	close(fd);
	unlink(ms_path);
	ksft_test_result(ok, "mshare MR: %s\n",
			 "SIGKILL of the registering sharer: pins released, region usable");
}

#define NR_MSHARE_TESTS	2

static void test_mshare(void)
{
	struct pins p0;
	const char *why = NULL;

	if (!msharefs_present())
		why = "msharefs is not in /proc/filesystems (CONFIG_MSHARE=n)";
	snprintf(ms_root, sizeof(ms_root), "/tmp/rdma_pin.XXXXXX");
	if (!why && !mkdtemp(ms_root))
		why = "mkdtemp failed";
	if (!why && mount("none", ms_root, "msharefs", 0, NULL)) {
		rmdir(ms_root);
		why = "mount -t msharefs failed";
	}
	if (why) {
		ksft_test_result_skip("mshare MR: %s\n", why);
		ksft_test_result_skip("mshare MR: SIGKILL: %s\n", why);
		return;
	}
	read_pins(&p0);
	test_mshare_mr();
	test_mshare_kill();
	if (!pins_balanced("mshare cases", &p0, 2 * MSHARE_PAGES))
		ksft_print_msg("the mshare cases left pins\n");
	if (umount(ms_root))
		ksft_print_msg("umount %s: %s\n", ms_root, strerror(errno));
	rmdir(ms_root);
}

/* ---- HugeTLB high-granularity mapping (CONFIG_HUGETLB_HGM) ---------- */

#ifndef MADV_SPLIT
#define MADV_SPLIT	26
#endif
#define SZ_2M		(2UL * 1024 * 1024)
#define SZ_1G		(1024UL * 1024 * 1024)

static unsigned long free_huge(size_t hs)
{
	char path[128];
	unsigned long n = 0;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages", hs >> 10);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lu", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

static int uffd_continue(int uffd, char *p, size_t len)
{
	struct uffdio_continue c = {
		.range = { .start = (uintptr_t)p, .len = len },
	};

	return ioctl(uffd, UFFDIO_CONTINUE, &c) ? errno : 0;
}

struct hgm_area {
	size_t hs, off, len;	/* huge page size; the MR's range in it */
	int fd, uffd;
	char *map;		/* the split mapping, hs aligned */
	unsigned long pfn;	/* of the huge page */
};

/*
 * A hugetlb memfd of one @hs page, filled with 0x11 through a mapping that
 * is gone again, mapped shared, MADV_SPLIT, registered for minor faults
 * (SIGBUS mode: nothing blocks); then every 4 KiB piece of the MR's range
 * CONTINUEd, in random order. NULL and a skip reason in @why, or a failure.
 */
static bool hgm_area_make(struct hgm_area *a, size_t hs, const char **why)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_MINOR_HUGETLBFS | UFFD_FEATURE_SIGBUS,
	};
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MINOR };
	size_t n, i, j, t, *order;
	char *raw, *q;
	int shift = __builtin_ctzl(hs);

	memset(a, 0, sizeof(*a));
	a->hs = hs;
	a->uffd = -1;
	/* 1 GiB: 4 MiB across two 2 MiB boundaries; 2 MiB: all of it. */
	a->off = hs > SZ_2M ? hs / 2 - SZ_2M / 2 : 0;
	a->len = hs > SZ_2M ? 2 * SZ_2M : hs;
	a->fd = memfd_create("rdma_pin_hgm", MFD_HUGETLB | (shift << MFD_HUGE_SHIFT));
	if (a->fd < 0 || ftruncate(a->fd, hs)) {
		*why = "no hugetlb memfd of that size";
		return false;
	}
	raw = mmap(NULL, 2 * hs, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (raw == MAP_FAILED)
		return false;
	q = (char *)(((uintptr_t)raw + hs - 1) & ~(hs - 1));
	munmap(raw, 2 * hs);
	if (mmap(q, hs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, a->fd, 0) == MAP_FAILED) {
		*why = "cannot map the huge page";
		return false;
	}
	memset(q + a->off, 0x11, a->len);
	get_pfns(getpid(), q, 1, &a->pfn);
	munmap(q, hs);
	a->map = mmap(q, hs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, a->fd, 0);
	if (a->map == MAP_FAILED || !a->pfn) {
		a->map = NULL;
		return false;
	}
	if (madvise(a->map, hs, MADV_SPLIT)) {
		if (errno == EINVAL)
			*why = "MADV_SPLIT: EINVAL (no CONFIG_HUGETLB_HGM)";
		else
			ksft_print_msg("MADV_SPLIT: %s\n", strerror(errno));
		return false;
	}
	a->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	reg.range.start = (uintptr_t)a->map;
	reg.range.len = hs;
	if (a->uffd < 0 || ioctl(a->uffd, UFFDIO_API, &api) ||
	    ioctl(a->uffd, UFFDIO_REGISTER, &reg)) {
		ksft_print_msg("userfaultfd minor registration: %s\n", strerror(errno));
		return false;
	}
	n = a->len / pagesize;
	order = malloc(n * sizeof(*order));
	if (!order)
		return false;
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = random() % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++) {
		int err = uffd_continue(a->uffd, a->map + a->off + order[i] * pagesize,
					pagesize);

		if (err) {
			ksft_print_msg("UFFDIO_CONTINUE of piece %zu: %s\n", order[i],
				       strerror(err));
			free(order);
			return false;
		}
	}
	free(order);
	return true;
}

static void hgm_area_free(struct hgm_area *a)
{
	if (a->map)
		munmap(a->map, a->hs);
	if (a->uffd >= 0)
		close(a->uffd);
	if (a->fd >= 0)
		close(a->fd);
}

static bool all_bytes(const char *p, size_t len, int want, const char *what)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (char)want) {
			ksft_print_msg("%s: byte %zu is 0x%02x, expected 0x%02x\n", what, i,
				       p[i] & 0xff, want & 0xff);
			return false;
		}
	return true;
}

/*
 * An MR over 4 KiB mappings of a huge page (MADV_SPLIT + 4 KiB
 * UFFDIO_CONTINUEs; a 1 GiB page when two are free, else 2 MiB): the
 * registration pins exactly its pages (the folio's pfn + index, listed by
 * the tracker), a peer QP's RDMA WRITE lands and reads back through the
 * split mapping, an RDMA READ sees the CPU's writes. Then punch-hole while
 * registered: the mapping goes, the pinned orphan stays out of the pool
 * and keeps serving RDMA WRITE and READ until dereg, which returns it to
 * the pool; pins balanced, the tracker empty.
 */
static void test_hgm(void)
{
	size_t hs = free_huge(SZ_1G) >= 2 ? SZ_1G : SZ_2M, n, i;
	static unsigned long pfns[2 * MAX_REC], pfn1[MAX_REC];
	const char *why = NULL;
	struct ibv_mr *mr = NULL, *smr = NULL;
	unsigned long nfree0 = free_huge(hs), nfree;
	struct hgm_area a;
	struct pins p0;
	struct loop l;
	bool ok = true, ok2 = true;
	char *src, *dst;

	if (nfree0 < 1) {
		ksft_test_result_skip("HGM MR: no free huge pages\n");
		ksft_test_result_skip("HGM MR: punch-hole while registered: no free huge pages\n");
		return;
	}
	if (!hgm_area_make(&a, hs, &why)) {
		hgm_area_free(&a);
		if (why) {
			ksft_test_result_skip("HGM MR (%zu kB page): %s\n", hs >> 10, why);
			ksft_test_result_skip("HGM MR, punch-hole while registered: %s\n", why);
		} else {
			ksft_test_result_fail("HGM MR (%zu kB page): setup\n", hs >> 10);
			ksft_test_result_skip("HGM MR, punch-hole while registered: no setup\n");
		}
		return;
	}
	n = a.len / pagesize;
	dst = a.map + a.off;
	src = map_mem(ANON, a.len, 0);
	if (!src || loop_create(&l)) {
		ksft_test_result_fail("HGM MR: QP setup: %s\n", strerror(errno));
		ksft_test_result_skip("HGM MR, punch-hole while registered: setup failed\n");
		hgm_area_free(&a);
		return;
	}
	ksft_print_msg("HGM MR: %zu KiB at +%zu KiB of a %zu kB page, %zu 4 KiB CONTINUEs\n",
		       a.len >> 10, a.off >> 10, hs >> 10, n);
	read_pins(&p0);
	mr = ibv_reg_mr(pd, dst, a.len, ACCESS_RW);
	smr = ibv_reg_mr(pd, src, a.len, ACCESS_RW);
	if (!mr || !smr) {
		ksft_test_result_fail("HGM MR: ibv_reg_mr: %s\n", strerror(errno));
		ksft_test_result_skip("HGM MR, punch-hole while registered: no MR\n");
		if (mr)
			ibv_dereg_mr(mr);
		if (smr)
			ibv_dereg_mr(smr);
		loop_destroy(&l);
		hgm_area_free(&a);
		return;
	}
	ok &= pins_moved("registered", &p0, 2 * n, 0);
	/* The MR's pages: the huge page's pfn + index, then the source's. */
	get_pfns(getpid(), dst, n, pfn1);
	for (i = 0; i < n; i++) {
		pfns[i] = a.pfn + (a.off / pagesize) + i;
		if (pfn1[i] != pfns[i]) {
			ksft_print_msg("piece %zu mapped at pfn 0x%lx, expected 0x%lx\n", i,
				       pfn1[i], pfns[i]);
			ok = false;
			break;
		}
	}
	get_pfns(getpid(), src, n, pfns + n);
	ok &= tracker_lists("HGM MR registered", getpid(), pfns, 2 * n, "rdma_pin");
	/* Peer QP writes into the MR; the CPU reads it through the 4 KiB mappings. */
	memset(src, 0x5c, a.len);
	if (rdma_op(&l, IBV_WR_RDMA_WRITE, src, smr, dst, mr, a.len))
		ok = false;
	ok &= all_bytes(dst, a.len, 0x5c, "RDMA WRITE, read through the split mapping");
	/* The CPU writes; the device reads it. */
	memset(dst, 0x3a, a.len);
	ok &= mr_reads(&l, mr, src, smr, a.len, 0x3a);
	ksft_test_result(ok, "HGM MR (%zu kB page, %zu 4 KiB CONTINUEs): %s\n", hs >> 10, n,
			 "pages pinned, RDMA WRITE lands, READ sees the CPU");

	/* Punch-hole while registered: an orphan, still the device's. */
	nfree = free_huge(hs);
	if (fallocate(a.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, hs)) {
		ksft_print_msg("punch hole: %s\n", strerror(errno));
		ok2 = false;
	}
	get_pfns(getpid(), dst, 1, pfn1);
	if (pfn1[0]) {
		ksft_print_msg("still mapped after the punch-hole\n");
		ok2 = false;
	}
	if (free_huge(hs) != nfree) {
		ksft_print_msg("punch-hole: %lu free huge pages, expected %lu (the MR holds it)\n",
			       free_huge(hs), nfree);
		ok2 = false;
	}
	memset(src, 0x77, a.len);
	if (rdma_op(&l, IBV_WR_RDMA_WRITE, src, smr, dst, mr, a.len)) {
		ksft_print_msg("RDMA WRITE into the orphan failed\n");
		ok2 = false;
	}
	ok2 &= mr_reads(&l, mr, src, smr, a.len, 0x77);
	ok2 &= tracker_lists("after the punch-hole", getpid(), pfns, 2 * n, "rdma_pin");
	if (ibv_dereg_mr(mr) || ibv_dereg_mr(smr))
		ok2 = false;
	ok2 &= pins_moved("deregistered", &p0, 2 * n, 2 * n);
	ok2 &= tracker_empty("deregistered", getpid());
	for (i = 0; i < 100 && free_huge(hs) != nfree + 1; i++)
		usleep(10000);
	if (free_huge(hs) != nfree + 1) {
		ksft_print_msg("dereg: %lu free huge pages, expected %lu\n", free_huge(hs),
			       nfree + 1);
		ok2 = false;
	}
	loop_destroy(&l);
	munmap(src, a.len);
	hgm_area_free(&a);
	if (free_huge(hs) != nfree0) {
		ksft_print_msg("at the end: %lu free huge pages, %lu at the start\n",
			       free_huge(hs), nfree0);
		ok2 = false;
	}
	ksft_test_result(ok2, "HGM MR (%zu kB page), punch-hole while registered: %s\n", hs >> 10,
			 "the orphan takes RDMA WRITE/READ, back in the pool at dereg");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ibv_reg_mr + ibv_dereg_mr of @mb MiB per memory kind: median times. */
static int bench(long mb, int rounds)
{
	enum mem_type types[] = { ANON, THP, HUGETLB };
	size_t size = (size_t)mb << 20;
	double reg[32], dereg[32];
	unsigned int t;
	int i;

	if (rounds > 32)
		rounds = 32;
	for (t = 0; t < ARRAY_SIZE(types); t++) {
		const char *name = types[t] == ANON ? "4K" : mem_names[types[t]];
		char *mem = map_mem(types[t], size, 1);

		if (!mem) {
			printf("BENCH %s %ld MiB: no memory\n", name, mb);
			continue;
		}
		for (i = 0; i < rounds; i++) {
			struct ibv_mr *mr;
			struct pins p0;
			double t0, t1;

			read_pins(&p0);
			t0 = now();
			mr = ibv_reg_mr(pd, mem, size, ACCESS_RW);
			t1 = now();
			if (!mr) {
				printf("BENCH %s: ibv_reg_mr: %s\n", name, strerror(errno));
				return 1;
			}
			reg[i] = t1 - t0;
			/* Not timed: the pins really are all there. */
			if (!pins_moved("timed reg_mr", &p0, size / pagesize, 0))
				return 1;
			t0 = now();
			ibv_dereg_mr(mr);
			dereg[i] = now() - t0;
			if (!pins_moved("timed dereg_mr", &p0, size / pagesize, size / pagesize))
				return 1;
		}
		qsort(reg, rounds, sizeof(reg[0]), cmp_double);
		qsort(dereg, rounds, sizeof(dereg[0]), cmp_double);
		printf("BENCH %s %ld MiB x%d: reg_ms=%.2f dereg_ms=%.2f tracker=%s pages=%zu\n",
		       name, mb, rounds, reg[rounds / 2] * 1e3, dereg[rounds / 2] * 1e3,
		       tracker_on ? "on" : "off", size / pagesize);
		munmap(mem, size);
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool only_mshare = false;
	long bench_mb = 0;
	int opt, rounds = 5;
	FILE *f;

	while ((opt = getopt(argc, argv, "d:g:f:b:r:M")) != -1) {
		switch (opt) {
		case 'd':
			dev_name = optarg;
			break;
		case 'g':
			gid_index = atoi(optarg);
			break;
		case 'f':
			scratch_dir = optarg;
			break;
		case 'b':
			bench_mb = atol(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'M':
			only_mshare = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-d dev] [-g gid] [-f dir] [-M] %s\n",
				argv[0], "[-b MiB [-r n]]");
			return KSFT_FAIL;
		}
	}
	pagesize = getpagesize();
	thpsize = 2 << 20;
	f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	if (f) {
		if (fscanf(f, "%zu", &thpsize) != 1)
			thpsize = 2 << 20;
		fclose(f);
	}
	tracker_on = !access(PPT_DIR "/pinned", R_OK);

	if (!bench_mb)
		ksft_print_header();
	if (getuid())
		ksft_exit_skip("needs root (stat_refresh, pagemap, the tracker)\n");
	ctx = open_dev();
	pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	if (!pd)
		ksft_exit_skip("no RDMA device %s (vm/rdma/setup.sh creates rxe0/rxe1)\n",
			       dev_name);
	if (bench_mb)
		return bench(bench_mb, rounds);

	ksft_print_msg("device %s, GID index %d, page_pin_tracker %s\n", dev_name, gid_index,
		       tracker_on ? "on: checking its listing too" : "off: vmstat only");
	if (only_mshare) {
		ksft_set_plan(NR_MSHARE_TESTS);
		test_mshare();
		goto done;
	}
	ksft_set_plan(2 * NR_MEM + 4 + 6 + NR_MSHARE_TESTS + 2);
	for (enum mem_type t = ANON; t < NR_MEM; t++)
		test_reg_mr(t);
	test_kill();
	test_fork();
	test_dontneed();
	test_memlock();
	for (enum mem_type t = ANON; t < NR_MEM; t++)
		test_loopback(t);
	test_bad_input();
	test_mshare();
	test_hgm();
done:
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	/* Skipped cases are reported as such; only failures fail the run. */
	if (ksft_get_fail_cnt())
		ksft_exit_fail();
	ksft_exit_pass();
}
