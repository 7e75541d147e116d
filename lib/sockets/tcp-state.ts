/**
 * The state of one stream connection as Linux keeps it in `struct sock`: the connection state, the
 * `sk_shutdown` bits (`RCV_SHUTDOWN` after the peer's FIN or our `shutdown(SHUT_RD)`, `SEND_SHUTDOWN` after
 * ours), whether the peer's FIN arrived (`SOCK_DONE`) and the pending error (`sk_err`); what the network does
 * to it (`tcp_fin`, `tcp_reset`, `tcp_done`); and `tcp_poll` over it. The socket (`socket.ts`) makes the
 * program's calls over it, deciding in the order `tcp_recvmsg` and `tcp_sendmsg` do.
 */
import { fromNodeError, type SocketError } from '../core/errors.js';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLRDHUP } from '../core/flags.js';
import type { NetError, TransportStart } from '../backends/transport.js';

/**
 * @internal The connection states. `unconnected`: never connected (an adopted socket; Linux's TCP_CLOSE
 * before any connect). `aborted`: the connection was reset, refused or destroyed (TCP_CLOSE after it; both
 * directions are shut). `closed`: the descriptor is closed.
 */
export type State = 'unconnected' | 'connecting' | 'connected' | 'aborted' | 'closed';

/** @internal `sk_shutdown`: the read side is shut. */
export const RCV_SHUTDOWN = 1;
/** @internal `sk_shutdown`: the write side is shut. */
export const SEND_SHUTDOWN = 2;
/** `sk_shutdown`: both. */
const SHUTDOWN_MASK = 3;

/** @internal One connection's state. */
export class TcpState {
  state: State;
  /** `sk_shutdown`. */
  shut = 0;
  /** The peer's FIN arrived (`SOCK_DONE`). */
  fin = false;
  /** `sk_err`: reported once, by the next `recv` or `send`. */
  error: NetError | null = null;

  constructor(start: TransportStart) {
    this.state = start === 'connecting' || start === 'unconnected' ? start : start === 'dead' ? 'aborted' : 'connected';
    if (start === 'dead') this.shut = SHUTDOWN_MASK;
    if (start === 'ended') this.receiveFin();
  }

  /** The peer's FIN (`tcp_fin`): nothing arrives after what is queued. */
  receiveFin(): void {
    this.fin = true;
    this.shut |= RCV_SHUTDOWN;
  }

  /** The peer's FIN from the network; false when the connection is closed or over (nothing changed). */
  peerFin(): boolean {
    if (this.state === 'closed' || this.state === 'aborted') return false;
    this.receiveFin();
    return true;
  }

  /** A connect completed (`tcp_finish_connect`); false when none was in progress (nothing changed). */
  connected(): boolean {
    if (this.state !== 'connecting' && this.state !== 'unconnected') return false;
    this.state = 'connected';
    return true;
  }

  /**
   * Whether data arriving now resets the connection: both directions shut by us before the peer's FIN
   * (Linux's FIN_WAIT with RCV_SHUTDOWN), where RFC 1122 says reset, and Linux does (TCPABORTONDATA). After a
   * reset, what the kernel had received before it is still read, as Linux returns it.
   */
  abortsOnData(): boolean {
    return this.state === 'connected' && this.shut === SHUTDOWN_MASK && !this.fin;
  }

  /** An adopted, never-connected socket whose transport started a connect (`connecting`) is connecting. */
  sync(connecting: boolean): State {
    if (this.state === 'unconnected' && connecting) this.state = 'connecting';
    return this.state;
  }

  /** The connection is over (`tcp_done`): both directions shut. */
  abort(): void {
    this.state = 'aborted';
    this.shut = SHUTDOWN_MASK;
  }

  /**
   * A reset or failure from the network (`tcp_reset`), or the transport gone under us (`err` null).
   * Returns false when it changes nothing: a reset on a closed or finished connection does nothing.
   */
  reset(err: NetError | null): boolean {
    const st = this.state;
    if (st === 'closed' || st === 'aborted') return false;
    if (err) {
      // tcp_reset's errno: refused while connecting, EPIPE after the peer's FIN (CLOSE_WAIT), else a reset.
      const code = st === 'connecting' ? err.code : this.fin && !(this.shut & SEND_SHUTDOWN) ? 'EPIPE' : err.code;
      this.error ??= code === err.code ? err : Object.assign(new Error(String(code)), { code });
    }
    this.abort();
    return true;
  }

  /**
   * A write to the network failed: the connection is over. `pending`: the write was not `send`'s own, so
   * its error waits for the next call, as SO_ERROR would — except EPIPE, which the failed write consumed.
   */
  writeFailed(err: NetError, pending: boolean): void {
    // EPIPE from the kernel's write (our side still open for sending) is tcp_reset in CLOSE_WAIT: the peer's
    // FIN came before its reset, so recv returns EOF (SOCK_DONE), whether Node has read the FIN yet or not.
    if (err.code === 'EPIPE') this.receiveFin();
    this.abort();
    if (pending && err.code !== 'EPIPE') this.error ??= err;
  }

  /**
   * Whether a reset may have come that the transport does not report: after the peer's FIN, or while
   * reading is `paused`, a transport may not be watching, on a connection that could still be reset.
   */
  mayMissReset(paused: boolean): boolean {
    return (this.fin || paused) && this.state === 'connected' && this.error === null && (this.shut & SEND_SHUTDOWN) === 0;
  }

  /** Takes the pending error, as the `syscall` that reports it. */
  consumeError(syscall: string): SocketError {
    const err = this.error as NetError;
    this.error = null;
    return fromNodeError(err, syscall);
  }

  /** `tcp_poll`: the bits reported, with `received` bytes queued and `room` in the send queue or not. O(1). */
  poll(received: number, room: boolean): number {
    const st = this.state;
    if (st === 'closed') return POLLNVAL;
    const shut = this.shut;
    let ev = this.error ? POLLERR : 0;
    if (shut === SHUTDOWN_MASK || st === 'unconnected' || st === 'aborted') ev |= POLLHUP;
    if (shut & RCV_SHUTDOWN) ev |= POLLIN | POLLRDHUP;
    if (st !== 'connecting') {
      if (received > 0) ev |= POLLIN;
      if (shut & SEND_SHUTDOWN || room) ev |= POLLOUT;
    }
    return ev;
  }
}
