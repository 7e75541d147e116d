/**
 * Readiness bits, with Linux's values so that a reader can compare them with `<poll.h>` and `<sys/epoll.h>`.
 * Every socket reports its state as a mask of these bits (`sock.events()`); select, poll and epoll differ only
 * in which bits they ask about and how they hand them back.
 */

/** There is data to read, a pending connection to accept, or the read side is shut (EOF reads at once). */
export const POLLIN = 0x001;
/** Urgent (out-of-band) data. Node has none, so no socket ever reports it. */
export const POLLPRI = 0x002;
/** `send` would accept at least one byte now (or fail at once, after a shutdown or an error). */
export const POLLOUT = 0x004;
/** A pending error: the next `recv` or `send` throws it. Always reported by poll and epoll. */
export const POLLERR = 0x008;
/** Hang-up: both directions are shut (the peer's FIN and ours, or a reset). Always reported. */
export const POLLHUP = 0x010;
/** The descriptor is not open. poll reports it per entry; select fails the whole call with `EBADF`. */
export const POLLNVAL = 0x020;
/** The peer shut its writing side (FIN received): reads return EOF, writes may still work. */
export const POLLRDHUP = 0x2000;

/** epoll's name for {@link POLLIN}. */
export const EPOLLIN = POLLIN;
/** epoll's name for {@link POLLPRI}. */
export const EPOLLPRI = POLLPRI;
/** epoll's name for {@link POLLOUT}. */
export const EPOLLOUT = POLLOUT;
/** epoll's name for {@link POLLERR}; reported whatever the registered mask. */
export const EPOLLERR = POLLERR;
/** epoll's name for {@link POLLHUP}; reported whatever the registered mask. */
export const EPOLLHUP = POLLHUP;
/** epoll's name for {@link POLLRDHUP}. */
export const EPOLLRDHUP = POLLRDHUP;
/** Disable the registration after one event, until `modify` re-arms it. */
export const EPOLLONESHOT = 1 << 30;
/** Edge-triggered: report a descriptor when new readiness arrives, not for as long as it lasts. */
export const EPOLLET = 2 ** 31;

/** select's read set is woken by these bits (Linux `POLLIN_SET`). */
export const SELECT_READ = POLLIN | POLLHUP | POLLERR;
/** select's write set is woken by these bits (Linux `POLLOUT_SET`). */
export const SELECT_WRITE = POLLOUT | POLLERR;
/**
 * select's except set. POSIX puts only out-of-band data here; Node has none, so net-select reports a pending
 * error instead (a documented departure).
 */
export const SELECT_EXCEPT = POLLERR | POLLPRI;

/** Every bit a socket can report: what a mask may contain besides the epoll mode flags. */
export const EVENT_BITS = POLLIN | POLLPRI | POLLOUT | POLLERR | POLLHUP | POLLNVAL | POLLRDHUP;

/** `shutdown(SHUT_RD)`: no more receptions. */
export const SHUT_RD = 0;
/** `shutdown(SHUT_WR)`: no more transmissions; the peer reads EOF once what was sent has arrived. */
export const SHUT_WR = 1;
/** `shutdown(SHUT_RDWR)`: both. */
export const SHUT_RDWR = 2;

/** One answer of `poll()`: a descriptor and the bits it reports. */
export type PollEvent = [fd: number, events: number];
