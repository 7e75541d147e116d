/**
 * net-select: the POSIX readiness contract — select, poll, epoll — over real `node:net` sockets.
 * This file only re-exports; each concept lives in the file named after it.
 */
export { SocketError, type Errno } from './errors.js';
export { FD_SETSIZE, getFdLimit, setFdLimit, openFdCount, type FileLike } from './fd-table.js';
export * from './flags.js';
export { Pollable } from './pollable.js';
export { Socket, type BufferOptions, type ConnectOptions, type SockAddr } from './socket.js';
export { connect } from './connect.js';
export { Listener, listen, type ListenOptions, type ListenerStats } from './listener.js';
export type { Selectable } from './resolve.js';
export { Selector, FdSet, type ReadyLists, type SelectorEvents } from './selector.js';
export type { WaitOptions } from './pending.js';
export { select, selectCost } from './select.js';
export { CostCounter, type CallCost } from './cost.js';
export { Poll } from './poll.js';
export { Epoll } from './epoll.js';
export type { PollEvent } from './poller.js';
export { SelectorMapping } from './selector-map.js';
export {
  BaseSelector,
  SelectSelector,
  PollSelector,
  EpollSelector,
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  type SelectorKey,
} from './selectors.js';
export { StreamFile, stdio, adoptStream } from './stdio.js';
export {
  DatagramSocket,
  bindDatagram,
  type DatagramAddress,
  type DatagramOptions,
  type DatagramStats,
} from './dgram.js';
export {
  SELECT_CHANNEL,
  POLL_CHANNEL,
  IO_CHANNEL,
  type SelectTrace,
  type PollTrace,
  type IoTrace,
  type TraceMessage,
} from './trace.js';
export { formatTrace, maskNames, printTrace } from './trace-print.js';
export { recordTrace, type TraceRecord } from './trace-record.js';
