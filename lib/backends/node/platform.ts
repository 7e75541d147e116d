/**
 * The platform under Node (see `core/platform.ts`): `process.nextTick`, `setImmediate`, `process.env`, the
 * errno numbers of `node:os`, the channels of `node:diagnostics_channel` (so that any tool subscribing there
 * sees net-select's trace), and the open-file limit from `/proc`. Installed when the Node backend is loaded.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { Server, Socket } from 'node:net';
import { constants } from 'node:os';
import { installPlatform, type Platform } from '../../core/platform.js';

const errnos = constants.errno as Readonly<Record<string, number>>;

/** RLIMIT_NOFILE as Linux reports it; 1024, the common default, where `/proc` cannot say. */
function readNofileLimit(): number {
  try {
    const text = readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+)/m.exec(text);
    if (m?.[1]) return Number(m[1]);
  } catch {
    // not Linux: fall through to the common default
  }
  return 1024;
}

/** Node's platform. */
const nodePlatform: Platform = {
  tick: (fn) => process.nextTick(fn),
  immediate: (fn) => void setImmediate(fn),
  now: () => performance.now(),
  env: (name) => process.env[name],
  errno: (name) => errnos[name] ?? 0,
  fdLimit: readNofileLimit,
  channel: (name) => diagnosticsChannel.channel(name),
  subscribe: (name, fn) => diagnosticsChannel.subscribe(name, fn),
  unsubscribe: (name, fn) => void diagnosticsChannel.unsubscribe(name, fn),
  writeError: (line) => void process.stderr.write(`${line}\n`),
  randomSeed: () => (Date.now() ^ (process.hrtime()[1] << 7)) >>> 0,
  foreignHint: (item) => {
    if (item instanceof Socket) return 'a net.Socket is not watched by net-select; wrap it with Socket.adopt(socket) first';
    if (item instanceof Server) return 'a net.Server is not watched by net-select; wrap it with Listener.adopt(server) first';
    return undefined;
  },
};

installPlatform(nodePlatform);
