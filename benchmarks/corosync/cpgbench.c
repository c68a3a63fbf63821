/*
 * cpgbench.c - the Corosync side of Clustering's message-path benchmark.
 *
 * One process per node joins a CPG group. The sender (-S) waits until the group has -n members, then sends
 * -c messages of -s bytes in CPG_TYPE_AGREED order at -r messages per second (0 = as fast as flow control
 * allows, retrying on CS_ERR_TRY_AGAIN). Each message carries a sequence number and its send time on
 * CLOCK_MONOTONIC, which every network namespace of the host shares. Every member (the sender too, which
 * receives its own messages) checks per-sender sequence numbers, measures one-way latency, and prints one
 * line when it has everything or nothing arrived for -t seconds:
 *
 *   RESULT node=1 received=20000 lost=0 out_of_order=0 seconds=0.512 msgs_per_s=39062.5 p50_ms=... p99_ms=... max_ms=... cpu_ms=...
 *
 * msgs_per_s = received / (last delivery - send time of the first message), the same definition clusterctl
 * bench uses. Exit status 0 when nothing was lost or out of order, 1 otherwise, 2 for usage errors.
 *
 * Written for this project against corosync's public cpg.h API (see cpg_initialize(3), cpg_mcast_joined(3)).
 */
#define _GNU_SOURCE
#include <corosync/cpg.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_SENDERS 64

struct sender_track {
	uint32_t nodeid;
	uint32_t pid;
	uint64_t next;
	uint64_t distinct;
	uint8_t *seen;
};

static unsigned int opt_nodes = 3, opt_senders = 1, opt_size = 64, opt_timeout = 10;
static uint64_t opt_count = 10000, opt_rate = 0;
static int opt_send = 0;
static const char *opt_group = "clusterctl-bench";

static struct sender_track senders[MAX_SENDERS];
static unsigned int sender_count;
static uint64_t received, out_of_order, corrupt;
static uint64_t *latencies; /* nanoseconds, one per delivery */
static uint64_t first_sent = UINT64_MAX, last_recv;
static unsigned int group_members;
static unsigned int local_nodeid;

/* CPU time of this process (user + system), in nanoseconds. */
static uint64_t cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull
		+ ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct sender_track *track_of(uint32_t nodeid, uint32_t pid)
{
	for (unsigned int i = 0; i < sender_count; i++) {
		if (senders[i].nodeid == nodeid && senders[i].pid == pid) {
			return &senders[i];
		}
	}
	if (sender_count == MAX_SENDERS) {
		return NULL;
	}
	struct sender_track *t = &senders[sender_count++];
	t->nodeid = nodeid;
	t->pid = pid;
	t->seen = calloc((size_t)(opt_count + 7) / 8, 1);
	if (t->seen == NULL) {
		perror("calloc");
		exit(1);
	}
	return t;
}

static void on_deliver(cpg_handle_t handle, const struct cpg_name *group, uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	(void)handle;
	(void)group;
	uint64_t now = now_ns();
	last_recv = now;
	if (len != opt_size) {
		corrupt++;
		return;
	}
	uint64_t seq, sent;
	memcpy(&seq, msg, sizeof seq);
	memcpy(&sent, (const char *)msg + 8, sizeof sent);
	struct sender_track *t = track_of(nodeid, pid);
	if (t == NULL || seq >= opt_count) {
		corrupt++;
		return;
	}
	int seen = (t->seen[seq / 8] >> (seq % 8)) & 1;
	if (seq != t->next || seen) {
		out_of_order++;
	}
	if (!seen) {
		t->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
		t->distinct++;
	}
	if (seq + 1 > t->next) {
		t->next = seq + 1;
	}
	if (sent < first_sent) {
		first_sent = sent;
	}
	latencies[received++] = now > sent ? now - sent : 0;
}

static void on_confchg(cpg_handle_t handle, const struct cpg_name *group,
	const struct cpg_address *members, size_t n_members,
	const struct cpg_address *left, size_t n_left,
	const struct cpg_address *joined, size_t n_joined)
{
	(void)handle;
	(void)group;
	(void)members;
	(void)left;
	(void)joined;
	(void)n_joined;
	group_members = (unsigned int)n_members;
	if (n_left > 0 && received > 0) {
		fprintf(stderr, "cpgbench: %zu member(s) left the group during the run\n", n_left);
	}
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double percentile_ms(double q)
{
	if (received == 0) {
		return 0;
	}
	uint64_t rank = (uint64_t)(q * (double)received + 0.999999);
	if (rank < 1) {
		rank = 1;
	}
	return (double)latencies[rank - 1] / 1e6;
}

static void usage(void)
{
	fprintf(stderr, "usage: cpgbench [-S] [-n NODES] [-N SENDERS] [-s SIZE] [-c COUNT] [-r RATE] [-t IDLE_SECONDS] [-g GROUP]\n");
	exit(2);
}

static cs_error_t dispatch_ready(cpg_handle_t handle, int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);
	if (r < 0 && errno != EINTR) {
		perror("poll");
		exit(1);
	}
	if (r > 0) {
		return cpg_dispatch(handle, CS_DISPATCH_ALL);
	}
	return CS_OK;
}

int main(int argc, char **argv)
{
	int c;
	while ((c = getopt(argc, argv, "Sn:N:s:c:r:t:g:")) != -1) {
		switch (c) {
		case 'S': opt_send = 1; break;
		case 'n': opt_nodes = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'N': opt_senders = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 's': opt_size = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'c': opt_count = strtoull(optarg, NULL, 10); break;
		case 'r': opt_rate = strtoull(optarg, NULL, 10); break;
		case 't': opt_timeout = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'g': opt_group = optarg; break;
		default: usage();
		}
	}
	if (opt_size < 16 || opt_size > 1024 * 1024 || opt_count == 0 || opt_nodes < 1 || opt_senders < 1
		|| opt_senders > MAX_SENDERS || opt_timeout == 0 || strlen(opt_group) >= CPG_MAX_NAME_LENGTH) {
		usage();
	}

	uint64_t expected = opt_count * opt_senders;
	latencies = malloc(sizeof *latencies * (size_t)expected);
	char *payload = calloc(opt_size, 1);
	if (latencies == NULL || payload == NULL) {
		perror("malloc");
		return 1;
	}

	cpg_callbacks_t callbacks = { .cpg_deliver_fn = on_deliver, .cpg_confchg_fn = on_confchg };
	cpg_handle_t handle;
	cs_error_t err;
	for (int attempt = 0; (err = cpg_initialize(&handle, &callbacks)) != CS_OK; attempt++) {
		if (attempt == 100) {
			fprintf(stderr, "cpgbench: cpg_initialize failed: %d (is corosync running?)\n", err);
			return 1;
		}
		usleep(100000);
	}
	cpg_local_get(handle, &local_nodeid);
	struct cpg_name name;
	name.length = (uint32_t)strlen(opt_group);
	memcpy(name.value, opt_group, name.length);
	while ((err = cpg_join(handle, &name)) == CS_ERR_TRY_AGAIN) {
		usleep(10000);
	}
	if (err != CS_OK) {
		fprintf(stderr, "cpgbench: cpg_join failed: %d\n", err);
		return 1;
	}
	int fd;
	cpg_fd_get(handle, &fd);

	/* Everyone waits for the full group; the sender starts then. */
	uint64_t deadline = now_ns() + 120ull * 1000000000ull;
	while (group_members < opt_nodes) {
		if (now_ns() > deadline) {
			fprintf(stderr, "cpgbench: the group has %u of %u members after 120 s\n", group_members, opt_nodes);
			return 1;
		}
		if (dispatch_ready(handle, fd, 100) != CS_OK) {
			fprintf(stderr, "cpgbench: cpg_dispatch failed\n");
			return 1;
		}
	}

	uint64_t sent = 0, start = now_ns(), cpu_start = cpu_ns();
	uint64_t interval = opt_rate > 0 ? 1000000000ull / opt_rate : 0;
	uint64_t idle_since = now_ns();
	uint64_t last_received = 0;
	while (received < expected) {
		int timeout_ms = 100;
		if (opt_send && sent < opt_count) {
			uint64_t due = start + sent * interval;
			uint64_t now = now_ns();
			if (now >= due) {
				struct iovec iov = { .iov_base = payload, .iov_len = opt_size };
				uint64_t stamp = now_ns();
				memcpy(payload, &sent, sizeof sent);
				memcpy(payload + 8, &stamp, sizeof stamp);
				err = cpg_mcast_joined(handle, CPG_TYPE_AGREED, &iov, 1);
				if (err == CS_OK) {
					sent++;
					timeout_ms = 0;
				} else if (err == CS_ERR_TRY_AGAIN) {
					timeout_ms = 1; /* flow control: let deliveries drain */
				} else {
					fprintf(stderr, "cpgbench: cpg_mcast_joined failed: %d\n", err);
					return 1;
				}
			} else {
				uint64_t wait = (due - now) / 1000000ull;
				timeout_ms = wait > 100 ? 100 : (int)wait;
			}
		}
		if (dispatch_ready(handle, fd, timeout_ms) != CS_OK) {
			fprintf(stderr, "cpgbench: cpg_dispatch failed\n");
			return 1;
		}
		if (received != last_received) {
			last_received = received;
			idle_since = now_ns();
		} else if (now_ns() - idle_since > (uint64_t)opt_timeout * 1000000000ull && (!opt_send || sent == opt_count)) {
			fprintf(stderr, "cpgbench: nothing delivered for %u s, reporting what arrived\n", opt_timeout);
			break;
		}
	}

	double cpu_ms = (double)(cpu_ns() - cpu_start) / 1e6;
	uint64_t distinct = 0;
	for (unsigned int i = 0; i < sender_count; i++) {
		distinct += senders[i].distinct;
	}
	uint64_t lost = expected > distinct ? expected - distinct : 0;
	double seconds = received > 0 && last_recv > first_sent ? (double)(last_recv - first_sent) / 1e9 : 0;
	qsort(latencies, (size_t)received, sizeof *latencies, compare_u64);
	printf("RESULT node=%u received=%" PRIu64 " lost=%" PRIu64 " out_of_order=%" PRIu64 " corrupt=%" PRIu64
		" seconds=%.3f msgs_per_s=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f cpu_ms=%.1f\n",
		local_nodeid, received, lost, out_of_order, corrupt, seconds, seconds > 0 ? (double)received / seconds : 0,
		percentile_ms(0.50), percentile_ms(0.99), received > 0 ? (double)latencies[received - 1] / 1e6 : 0, cpu_ms);
	fflush(stdout);

	/* Stay in the group a little so that slower members still see this one while they finish. */
	uint64_t linger = now_ns() + 2000000000ull;
	while (now_ns() < linger) {
		dispatch_ready(handle, fd, 100);
	}
	cpg_leave(handle, &name);
	cpg_finalize(handle);
	return lost == 0 && out_of_order == 0 && corrupt == 0 ? 0 : 1;
}
