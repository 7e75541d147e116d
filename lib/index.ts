/**
 * net-select: the POSIX readiness contract — select, poll, epoll — over real `node:net` sockets.
 * This file only re-exports; each concept lives in the file named after it.
 *
 * @module net-select
 */
// First: the Node backend installs Node's platform before any other module runs (a browser bundle gets the
// backend's browser stand-in here, and keeps the portable platform).
import './backends/node/index.js';
export { SocketError, type Errno } from './core/errors.js';
export { FD_SETSIZE, getFdLimit, setFdLimit, openFdCount, type FileLike } from './core/fd-table.js';
export * from './core/flags.js';
export { Pollable } from './core/pollable.js';
export { Socket, type BufferOptions, type ConnectOptions, type SockAddr, type TcpAddr } from './sockets/socket.js';
export { connect } from './sockets/connect.js';
export { Listener, listen, type ListenOptions, type ListenerStats } from './sockets/listener.js';
export type { Selectable } from './core/resolve.js';
export { Selector, FdSet, type ReadyLists, type SelectorEvents } from './models/selector.js';
export type { WaitOptions } from './core/pending.js';
export { select, selectCost } from './models/select.js';
export { CostCounter, type CallCost } from './core/cost.js';
export { Poll } from './models/poll.js';
export { Epoll } from './models/epoll.js';
export { SelectorMapping, type SelectorKey } from './selectors/selector-mapping.js';
export {
  BaseSelector,
  SelectSelector,
  PollSelector,
  EpollSelector,
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
} from './selectors/base-selector.js';
export { StreamFile, stdio, adoptStream } from './sockets/stdio.js';
export { RegularFile, openFile, type OpenFlags } from './sockets/regular-file.js';
export {
  DatagramSocket,
  bindDatagram,
  type DatagramAddress,
  type DatagramOptions,
  type DatagramStats,
} from './sockets/dgram.js';
export {
  SELECT_CHANNEL,
  POLL_CHANNEL,
  IO_CHANNEL,
  type SelectTrace,
  type PollTrace,
  type IoTrace,
  type CtlTrace,
  type TraceMessage,
} from './trace/trace.js';
export { formatTrace, maskNames, printTrace } from './trace/print.js';
export { recordTrace, type TraceRecord } from './trace/record.js';
