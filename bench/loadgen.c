/*
 * loadgen - a native epoll load generator for TCP echo servers (Linux only).
 *
 * Build:  gcc -O2 -Wall -o bench/out/loadgen bench/loadgen.c
 *
 * Usage:  loadgen --port P [--host 127.0.0.1] --conns N --size S --inflight K
 *                 --seconds D [--idle I] [--warmup W] [--sync]
 *                 [--connect-timeout T] [--connect-parallel C] [--drain-timeout T]
 *                 [--no-pace]
 *         loadgen --exec-pdeathsig CMD [ARGS...]
 *
 * What it does:
 *   1. opens I idle connections (they stay open and never send anything),
 *   2. opens N active connections (connects are paced to the room left in
 *      the server's accept queue, see accept_queue() below),
 *   3. (with --sync) prints {"event":"connected",...} and waits for a line on
 *      stdin (or EOF) before sending anything, so a harness can sample the
 *      server's memory with all connections open but no traffic yet,
 *   4. each active connection keeps K messages of S bytes in flight: a new
 *      message is issued whenever one complete echo has come back,
 *   5. the first W seconds are warmup (not recorded); then a D second
 *      measured window; with --sync it prints {"event":"measure_start"} and
 *      {"event":"measure_end"} at the window edges,
 *   6. after the window no new messages are issued and all outstanding echoes
 *      are drained (and checked), then one JSON result line is printed.
 *
 * Every echoed byte is checked. Connection i sends the byte stream
 *   byte(o) = table[(o + phase_i) mod 65521]
 * where table is a fixed pseudo-random table of prime period 65521 and
 * phase_i differs per connection, so reordered, duplicated, lost or
 * cross-connection bytes are detected (lost bytes show up as a drain
 * timeout, extra bytes as a mismatch).
 *
 * Round-trip time of a message = time of the send() call that wrote its first
 * byte -> time of the recv() that returned its last byte. Histogram with
 * <1% relative bucket error.
 *
 * Exit status: 0 ok; 1 failure (connect failed, EOF, reset, timeout...);
 * 2 DATA MISMATCH; 3 usage error. The JSON line is printed in all cases
 * except usage errors.
 *
 * --exec-pdeathsig CMD ARGS...: helper for the bench runner; sets
 * PR_SET_PDEATHSIG(SIGKILL) and execs CMD, so the server dies with the runner
 * even if the runner is SIGKILLed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PERIOD 65521u /* prime */
#define CHUNK 65536u  /* max bytes per send()/recv() */
#define MAX_EVENTS 512

typedef struct {
    int fd;
    int idle;
    int state; /* 0 not started, 1 connecting, 2 connected, 3 failed/closed */
    uint32_t phase;
    uint32_t interest; /* current epoll mask */
    uint64_t issued;   /* bytes of messages issued so far */
    uint64_t sent;     /* bytes written */
    uint64_t recvd;    /* bytes read back (all verified) */
    uint64_t done;     /* complete messages echoed */
    int64_t *tstart;   /* ring of K start timestamps (ns) */
} conn_t;

/* ---- options ---- */
static const char *opt_host = "127.0.0.1";
static int opt_port = -1;
static int opt_conns = 1;
static int opt_idle = 0;
static uint64_t opt_size = 64;
static int opt_inflight = 1;
static double opt_seconds = 2.0;
static double opt_warmup = 0.5;
static double opt_connect_timeout = 15.0;
static int opt_connect_parallel = 64;
static double opt_drain_timeout = 10.0;
static int opt_sync = 0;
static int opt_pace = 1;

/* ---- state ---- */
static uint8_t *table;
static conn_t *conns;
static int nconns_total;
static int epfd = -1;
static uint8_t rbuf[CHUNK];

static int errors = 0;
static int connect_failed = 0;
static int mismatch = 0;
static char first_error[768];

static int measuring = 0; /* inside the measured window */
static int stopping = 0;  /* window over: issue no new messages */
static uint64_t win_msgs = 0;
static uint64_t total_msgs = 0;

/* latency histogram, values in ns; log-linear with 128 sub-buckets per octave */
#define HIST_N (64 * 128 + 256)
static uint64_t hist[HIST_N];
static uint64_t hist_count = 0;
static long double hist_sum = 0;
static uint64_t hist_max = 0;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void fail(const char *fmt, ...) {
    errors++;
    if (first_error[0] == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(first_error, sizeof first_error, fmt, ap);
        va_end(ap);
    }
}

static int hist_index(uint64_t v) {
    if (v < 256) return (int)v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - 7;
    int idx = shift * 128 + (int)(v >> shift);
    return idx < HIST_N ? idx : HIST_N - 1;
}

static double hist_value(int idx) {
    if (idx < 256) return idx;
    int shift = idx / 128 - 1;
    uint64_t m = (uint64_t)(idx - shift * 128);
    return (double)((m << shift) + ((1ULL << shift) >> 1));
}

static void hist_add(uint64_t v) {
    hist[hist_index(v)]++;
    hist_count++;
    hist_sum += v;
    if (v > hist_max) hist_max = v;
}

static double hist_pct(double p) { /* returns microseconds, -1 if empty */
    if (hist_count == 0) return -1;
    uint64_t rank = (uint64_t)(p * (double)hist_count + 0.999999);
    if (rank < 1) rank = 1;
    uint64_t c = 0;
    for (int i = 0; i < HIST_N; i++) {
        c += hist[i];
        if (c >= rank) return hist_value(i) / 1000.0;
    }
    return hist_max / 1000.0;
}

static double cpu_seconds_self(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void json_num(FILE *f, const char *key, double v) {
    if (v < 0)
        fprintf(f, ",\"%s\":null", key);
    else
        fprintf(f, ",\"%s\":%.1f", key, v);
}

static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void event_line(const char *ev) {
    if (!opt_sync) return;
    printf("{\"event\":\"%s\"}\n", ev);
    fflush(stdout);
}

static void set_interest(conn_t *c, uint32_t ev) {
    if (c->interest == ev) return;
    struct epoll_event e = {.events = ev, .data.u64 = (uint64_t)(c - conns)};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e) < 0) {
        fail("epoll_ctl MOD: %s", strerror(errno));
        return;
    }
    c->interest = ev;
}

static void close_conn(conn_t *c) {
    if (c->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    c->state = 3;
}

/* ------------------------------------------------------------------ */
/* connecting                                                          */
/* ------------------------------------------------------------------ */

static struct sockaddr_in server_addr;

/* returns 1 if started (or completed), 0 if failed */
static int start_connect(conn_t *c) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        connect_failed++;
        fail("socket() for %s conn #%d: %s", c->idle ? "idle" : "active", (int)(c - conns), strerror(errno));
        c->state = 3;
        return 0;
    }
    if (!c->idle) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    c->fd = fd;
    int r = connect(fd, (struct sockaddr *)&server_addr, sizeof server_addr);
    if (r < 0 && errno != EINPROGRESS) {
        int e = errno;
        connect_failed++;
        fail("connect() %s conn #%d: %s", c->idle ? "idle" : "active", (int)(c - conns), strerror(e));
        close(fd);
        c->fd = -1;
        c->state = 3;
        return 0;
    }
    struct epoll_event e = {.events = EPOLLOUT, .data.u64 = (uint64_t)(c - conns)};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
        connect_failed++;
        fail("epoll_ctl ADD: %s", strerror(errno));
        close(fd);
        c->fd = -1;
        c->state = 3;
        return 0;
    }
    c->interest = EPOLLOUT;
    c->state = 1;
    return 1;
}

static void handle_event(conn_t *c, uint32_t ev);

/*
 * Accept pacing. On loopback a client's connect() completes as soon as the
 * kernel has done the handshake, whether or not the server has accept()ed.
 * If the listen backlog is full the kernel drops the final ACK (the client
 * still thinks it is connected) or the SYN, and those connections then only
 * complete on the kernel's exponential SYN(-ACK) retransmit timers (1 s, 3 s,
 * 7 s, ...). A burst of thousands of connects against a server with a small
 * backlog (the seed server uses listen(5)) would then take minutes. So before
 * starting new connects we ask the kernel (NETLINK_SOCK_DIAG) how full the
 * listener's accept queue is and only start as many as fit. Disable with
 * --no-pace. If the query fails pacing is silently turned off.
 */
static int diag_fd = -1;

/* returns 1 and fills *rq (queued) and *max (backlog) if the listener was found */
static int accept_queue(int *rq, int *max) {
    if (diag_fd < 0) {
        diag_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (diag_fd < 0) return 0;
    }
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 r;
    } req;
    memset(&req, 0, sizeof req);
    req.nlh.nlmsg_len = sizeof req;
    req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.r.sdiag_family = AF_INET;
    req.r.sdiag_protocol = IPPROTO_TCP;
    req.r.idiag_states = 1u << 10; /* TCP_LISTEN only: walks just the listening hash */
    req.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (sendto(diag_fd, &req, sizeof req, 0, (struct sockaddr *)&sa, sizeof sa) < 0) return 0;
    static char buf[16384];
    int found = 0;
    for (int rounds = 0; rounds < 1000; rounds++) {
        ssize_t n = recv(diag_fd, buf, sizeof buf, 0);
        if (n <= 0) return 0;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE) return found;
            if (h->nlmsg_type == NLMSG_ERROR) return 0;
            struct inet_diag_msg *m = NLMSG_DATA(h);
            if (m->id.idiag_sport == server_addr.sin_port) {
                *rq = (int)m->idiag_rqueue;
                *max = (int)m->idiag_wqueue;
                found = 1;
            }
        }
    }
    return found;
}

/* Connects conns[first..end) with at most opt_connect_parallel in progress. */
static void connect_range(int first, int end, int64_t deadline) {
    int next = first, pending = 0;
    struct epoll_event evs[MAX_EVENTS];
    while ((next < end || pending > 0) && now_ns() < deadline) {
        int room = opt_connect_parallel - pending;
        int paced = 0;
        if (opt_pace && next < end && room > 0) {
            int rq, mx;
            if (accept_queue(&rq, &mx)) {
                if (mx - rq < room) {
                    room = mx - rq;
                    paced = 1;
                }
            } else {
                opt_pace = 0;
            }
        }
        while (room > 0 && next < end) {
            if (start_connect(&conns[next])) pending++;
            next++;
            room--;
        }
        int timeout = 100;
        if (paced && next < end) timeout = 1;       /* let the server accept */
        else if (pending == 0) timeout = 0;          /* just poll idle conns */
        int64_t left_ms = (deadline - now_ns()) / 1000000 + 1;
        if (left_ms < timeout) timeout = (int)left_ms;
        int n = epoll_wait(epfd, evs, MAX_EVENTS, timeout);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            conn_t *c = &conns[evs[i].data.u64];
            if (c->state == 1) {
                int err = 0;
                socklen_t len = sizeof err;
                if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
                pending--;
                if (err == 0) {
                    c->state = 2;
                    /* idle: watch for EOF/reset/unexpected data; active: reads */
                    set_interest(c, c->idle ? (EPOLLIN | EPOLLRDHUP) : EPOLLIN);
                } else {
                    connect_failed++;
                    fail("connect %s conn #%d: %s", c->idle ? "idle" : "active", (int)(c - conns), strerror(err));
                    close_conn(c);
                }
            } else {
                handle_event(c, evs[i].events);
            }
        }
    }
    for (int i = first; i < end; i++) {
        if (conns[i].state == 1) {
            connect_failed++;
            fail("connect %s conn #%d: timed out after %.1f s (server not accepting?)", conns[i].idle ? "idle" : "active", i,
                 opt_connect_timeout);
            close_conn(&conns[i]);
        } else if (conns[i].state == 0) {
            connect_failed++;
            fail("connect phase timed out after %.1f s before conn #%d was started (server not accepting?)",
                 opt_connect_timeout, i);
            conns[i].state = 3;
        }
    }
}

/* ------------------------------------------------------------------ */
/* traffic                                                             */
/* ------------------------------------------------------------------ */

static void flush_writes(conn_t *c) {
    const uint64_t S = opt_size;
    const uint64_t K = (uint64_t)opt_inflight;
    while (c->sent < c->issued) {
        uint64_t want = c->issued - c->sent;
        if (want > CHUNK) want = CHUNK;
        uint32_t off = (uint32_t)((c->sent + c->phase) % PERIOD);
        int64_t t = now_ns();
        ssize_t w = send(c->fd, table + off, want, MSG_NOSIGNAL);
        if (w > 0) {
            /* stamp every message whose first byte is in [sent, sent + w) */
            uint64_t j = (c->sent + S - 1) / S;
            for (; j * S < c->sent + (uint64_t)w; j++) c->tstart[j % K] = t;
            c->sent += (uint64_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else {
            fail("send on active conn #%d: %s (after %llu bytes sent, %llu echoed)", (int)(c - conns),
                 w < 0 ? strerror(errno) : "returned 0", (unsigned long long)c->sent, (unsigned long long)c->recvd);
            close_conn(c);
            return;
        }
    }
    set_interest(c, c->sent < c->issued ? (EPOLLIN | EPOLLOUT) : EPOLLIN);
}

static void report_mismatch(conn_t *c, const uint8_t *got, size_t n) {
    uint32_t off = (uint32_t)((c->recvd + c->phase) % PERIOD);
    size_t k = 0;
    while (k < n && got[k] == table[off + k]) k++;
    mismatch = 1;
    fprintf(stderr,
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
            "!!! LOADGEN: DATA MISMATCH on conn #%d at stream offset %llu:\n"
            "!!! expected byte 0x%02x, got 0x%02x (message #%llu, byte %llu of %llu)\n"
            "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
            (int)(c - conns), (unsigned long long)(c->recvd + k), table[off + k], got[k],
            (unsigned long long)((c->recvd + k) / opt_size), (unsigned long long)((c->recvd + k) % opt_size),
            (unsigned long long)opt_size);
    fail("DATA MISMATCH on conn #%d at stream offset %llu: expected 0x%02x got 0x%02x", (int)(c - conns),
         (unsigned long long)(c->recvd + k), table[off + k], got[k]);
}

static void handle_active_read(conn_t *c) {
    const uint64_t S = opt_size;
    const uint64_t K = (uint64_t)opt_inflight;
    ssize_t n = recv(c->fd, rbuf, CHUNK, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        fail("recv on active conn #%d: %s (sent %llu, echoed %llu)", (int)(c - conns), strerror(errno),
             (unsigned long long)c->sent, (unsigned long long)c->recvd);
        close_conn(c);
        return;
    }
    if (n == 0) {
        fail("premature EOF on active conn #%d: server closed it (sent %llu bytes, %llu echoed)", (int)(c - conns),
             (unsigned long long)c->sent, (unsigned long long)c->recvd);
        close_conn(c);
        return;
    }
    int64_t t = now_ns();
    if (c->recvd + (uint64_t)n > c->sent) {
        mismatch = 1;
        fprintf(stderr, "\n!!! LOADGEN: DATA MISMATCH on conn #%d: server echoed %llu bytes but only %llu were sent\n",
                (int)(c - conns), (unsigned long long)(c->recvd + n), (unsigned long long)c->sent);
        fail("DATA MISMATCH on conn #%d: %llu bytes echoed but only %llu sent", (int)(c - conns),
             (unsigned long long)(c->recvd + n), (unsigned long long)c->sent);
        close_conn(c);
        return;
    }
    uint32_t off = (uint32_t)((c->recvd + c->phase) % PERIOD);
    if (memcmp(rbuf, table + off, (size_t)n) != 0) {
        report_mismatch(c, rbuf, (size_t)n);
        close_conn(c);
        return;
    }
    c->recvd += (uint64_t)n;
    while ((c->done + 1) * S <= c->recvd) {
        int64_t rtt = t - c->tstart[c->done % K];
        if (measuring) {
            hist_add(rtt > 0 ? (uint64_t)rtt : 0);
            win_msgs++;
        }
        c->done++;
        total_msgs++;
        if (!stopping) c->issued += S;
    }
    flush_writes(c);
}

static void handle_idle_event(conn_t *c, uint32_t ev) {
    ssize_t n = recv(c->fd, rbuf, sizeof rbuf, 0);
    if (n > 0) {
        fail("idle conn #%d received %zd unexpected bytes", (int)(c - conns), n);
    } else if (n == 0) {
        fail("server closed idle conn #%d (EOF)", (int)(c - conns));
    } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        if (!(ev & (EPOLLERR | EPOLLHUP | EPOLLRDHUP))) return;
        fail("idle conn #%d: error/hangup event 0x%x", (int)(c - conns), ev);
    } else {
        fail("idle conn #%d: %s", (int)(c - conns), strerror(errno));
    }
    close_conn(c);
}

static void handle_event(conn_t *c, uint32_t ev) {
    if (c->state != 2) return;
    if (c->idle) {
        handle_idle_event(c, ev);
        return;
    }
    if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) handle_active_read(c);
    if (c->state == 2 && (ev & EPOLLOUT)) flush_writes(c);
}

static int all_drained(void) {
    for (int i = opt_idle; i < nconns_total; i++) {
        conn_t *c = &conns[i];
        if (c->state == 2 && c->recvd < c->issued) return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */

static void usage(void) {
    fprintf(stderr,
            "usage: loadgen --port P [--host H] --conns N --size S --inflight K --seconds D\n"
            "               [--idle I] [--warmup W] [--sync] [--connect-timeout T]\n"
            "               [--connect-parallel C] [--drain-timeout T] [--no-pace]\n"
            "       loadgen --exec-pdeathsig CMD [ARGS...]\n");
    exit(3);
}

static void print_result(double win_seconds, double lg_cpu) {
    double msgs_per_s = win_seconds > 0 ? win_msgs / win_seconds : 0;
    double bytes = (double)win_msgs * (double)opt_size;
    printf("{\"msgs\":%llu,\"bytes\":%.0f", (unsigned long long)win_msgs, bytes);
    printf(",\"seconds\":%.4f", win_seconds);
    printf(",\"msgs_per_s\":%.1f", msgs_per_s);
    printf(",\"mb_per_s\":%.3f", win_seconds > 0 ? bytes / 1e6 / win_seconds : 0);
    json_num(stdout, "p50_us", hist_pct(0.50));
    json_num(stdout, "p99_us", hist_pct(0.99));
    json_num(stdout, "p999_us", hist_pct(0.999));
    json_num(stdout, "max_us", hist_count ? hist_max / 1000.0 : -1);
    json_num(stdout, "mean_us", hist_count ? (double)(hist_sum / hist_count) / 1000.0 : -1);
    printf(",\"errors\":%d,\"connect_failed\":%d,\"mismatch\":%s", errors, connect_failed, mismatch ? "true" : "false");
    printf(",\"conns\":%d,\"idle\":%d,\"size\":%llu,\"inflight\":%d", opt_conns, opt_idle, (unsigned long long)opt_size,
           opt_inflight);
    printf(",\"total_msgs\":%llu", (unsigned long long)total_msgs);
    json_num(stdout, "loadgen_cpu_pct", win_seconds > 0 && lg_cpu >= 0 ? 100.0 * lg_cpu / win_seconds : -1);
    if (first_error[0]) {
        printf(",\"error\":");
        json_str(stdout, first_error);
    }
    printf("}\n");
    fflush(stdout);
}

static void finish(double win_seconds, double lg_cpu) {
    print_result(win_seconds, lg_cpu);
    if (mismatch) exit(2);
    exit(errors ? 1 : 0);
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--exec-pdeathsig") == 0) {
        if (argc < 3) usage();
        pid_t parent = getppid();
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1); /* parent already gone */
        execvp(argv[2], argv + 2);
        fprintf(stderr, "loadgen --exec-pdeathsig: exec %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && v && (i++, 1))
        if (ARG("--port")) opt_port = atoi(v);
        else if (ARG("--host")) opt_host = v;
        else if (ARG("--conns")) opt_conns = atoi(v);
        else if (ARG("--idle")) opt_idle = atoi(v);
        else if (ARG("--size")) opt_size = strtoull(v, NULL, 10);
        else if (ARG("--inflight")) opt_inflight = atoi(v);
        else if (ARG("--seconds")) opt_seconds = atof(v);
        else if (ARG("--warmup")) opt_warmup = atof(v);
        else if (ARG("--connect-timeout")) opt_connect_timeout = atof(v);
        else if (ARG("--connect-parallel")) opt_connect_parallel = atoi(v);
        else if (ARG("--drain-timeout")) opt_drain_timeout = atof(v);
        else if (strcmp(a, "--sync") == 0) opt_sync = 1;
        else if (strcmp(a, "--no-pace") == 0) opt_pace = 0;
        else {
            fprintf(stderr, "loadgen: bad argument '%s'\n", a);
            usage();
        }
#undef ARG
    }
    if (opt_port <= 0 || opt_port > 65535 || opt_conns < 1 || opt_idle < 0 || opt_size < 1 || opt_inflight < 1 ||
        opt_seconds <= 0 || opt_warmup < 0 || opt_connect_parallel < 1)
        usage();

    /* die with the harness */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_IGN);

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    memset(&server_addr, 0, sizeof server_addr);
    server_addr.sin_family = AF_INET;
    server_addr.sin_port = htons((uint16_t)opt_port);
    if (inet_pton(AF_INET, opt_host, &server_addr.sin_addr) != 1) {
        fprintf(stderr, "loadgen: bad --host %s (IPv4 literal expected)\n", opt_host);
        exit(3);
    }

    /* pattern table: fixed-seed xorshift, PERIOD bytes + CHUNK wrap-around copy */
    table = malloc(PERIOD + CHUNK);
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (uint32_t i = 0; i < PERIOD; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        table[i] = (uint8_t)(x >> 32);
    }
    for (uint32_t i = 0; i < CHUNK; i++) table[PERIOD + i] = table[i % PERIOD];

    nconns_total = opt_idle + opt_conns;
    conns = calloc((size_t)nconns_total, sizeof *conns);
    for (int i = 0; i < nconns_total; i++) {
        conns[i].fd = -1;
        conns[i].idle = i < opt_idle;
        conns[i].phase = (uint32_t)(((uint64_t)i * 7919u + 12345u) % PERIOD);
        if (!conns[i].idle) conns[i].tstart = calloc((size_t)opt_inflight, sizeof(int64_t));
    }

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        perror("epoll_create1");
        exit(1);
    }

    /* ---- connect: idle first, then active ---- */
    int64_t t_conn0 = now_ns();
    int64_t conn_deadline = t_conn0 + (int64_t)(opt_connect_timeout * 1e9);
    connect_range(0, opt_idle, conn_deadline);
    if (!errors) connect_range(opt_idle, nconns_total, conn_deadline);
    double connect_s = (now_ns() - t_conn0) / 1e9;
    if (errors) {
        /* count everything that never got a chance as failed too */
        for (int i = 0; i < nconns_total; i++)
            if (conns[i].state == 0) connect_failed++;
        finish(0, -1);
    }

    if (opt_sync) {
        printf("{\"event\":\"connected\",\"idle\":%d,\"active\":%d,\"connect_seconds\":%.3f}\n", opt_idle, opt_conns,
               connect_s);
        fflush(stdout);
        /* wait (bounded) for a line or EOF on stdin */
        int64_t sync_deadline = now_ns() + 60LL * 1000000000LL;
        char line[64];
        for (;;) {
            int64_t left = (sync_deadline - now_ns()) / 1000000;
            if (left <= 0) {
                fail("--sync: no 'go' on stdin within 60 s");
                finish(0, -1);
            }
            struct pollfd p = {.fd = 0, .events = POLLIN};
            int r = poll(&p, 1, (int)left);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) continue;
            ssize_t n = read(0, line, sizeof line);
            if (n <= 0 || memchr(line, '\n', (size_t)n)) break;
        }
    }

    /* ---- traffic ---- */
    int64_t t_go = now_ns();
    int64_t t_win0 = t_go + (int64_t)(opt_warmup * 1e9);
    int64_t t_win1 = t_win0 + (int64_t)(opt_seconds * 1e9);
    int64_t t_win0_actual = 0, t_win1_actual = 0, drain_deadline = 0;
    double cpu0 = -1, cpu1 = -1;

    if (opt_warmup <= 0) {
        measuring = 1;
        t_win0_actual = now_ns();
        cpu0 = cpu_seconds_self();
        event_line("measure_start");
    }
    for (int i = opt_idle; i < nconns_total; i++) {
        if (conns[i].state != 2) continue;
        conns[i].issued = opt_size * (uint64_t)opt_inflight;
        flush_writes(&conns[i]);
    }

    struct epoll_event evs[MAX_EVENTS];
    while (!errors) {
        int64_t t = now_ns();
        if (!measuring && !stopping && t >= t_win0) {
            measuring = 1;
            t_win0_actual = t;
            cpu0 = cpu_seconds_self();
            event_line("measure_start");
        }
        if (measuring && t >= t_win1) {
            measuring = 0;
            stopping = 1;
            t_win1_actual = t;
            cpu1 = cpu_seconds_self();
            event_line("measure_end");
            drain_deadline = t + (int64_t)(opt_drain_timeout * 1e9);
        }
        if (stopping) {
            if (all_drained()) break;
            if (t >= drain_deadline) {
                for (int i = opt_idle; i < nconns_total; i++) {
                    conn_t *c = &conns[i];
                    if (c->state == 2 && c->recvd < c->issued) {
                        fail("drain timeout: conn #%d got back %llu of %llu bytes within %.1f s (bytes lost?)", i,
                             (unsigned long long)c->recvd, (unsigned long long)c->issued, opt_drain_timeout);
                        break;
                    }
                }
                break;
            }
        }
        int64_t next = stopping ? drain_deadline : (measuring ? t_win1 : t_win0);
        int64_t ms = (next - t) / 1000000 + 1;
        if (ms > 100) ms = 100;
        int n = epoll_wait(epfd, evs, MAX_EVENTS, (int)ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) handle_event(&conns[evs[i].data.u64], evs[i].events);
    }
    if (!t_win1_actual) { /* aborted before the window ended */
        t_win1_actual = now_ns();
        if (cpu0 >= 0) cpu1 = cpu_seconds_self();
    }
    double win = t_win0_actual ? (t_win1_actual - t_win0_actual) / 1e9 : 0;
    finish(win, cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1);
    return 0;
}
