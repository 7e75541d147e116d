/**
 * The presets: each a program (the files in presets/, loaded as text) with the settings that show its
 * lesson, and the chapter of docs/tutorial.md it belongs to.
 */
import echoSelect from './presets/echo-select.ts?raw';
import echoBusyLoop from './presets/echo-busy-loop.ts?raw';
import echoEpollEt from './presets/echo-epoll-et.ts?raw';
import echoSelectors from './presets/echo-selectors.ts?raw';
import framed from './presets/framed.ts?raw';
import chat from './presets/chat.ts?raw';
import cost from './presets/cost.ts?raw';
import type { Settings } from './settings.js';

/** One preset. */
export interface Preset {
  id: string;
  title: string;
  code: string;
  settings: Settings;
}

const base: Settings = {
  clients: { count: 4, size: 1000, messages: 3, halfClose: true, protocol: 'echo' },
  faults: { fragment: true, latencyMs: [1, 5], sndbuf: 0, reset: 0, partition: null },
  seed: 1,
  maxCalls: 2000,
};

const noClients = { ...base.clients, count: 0 };

/** Every preset, the first the default. */
export const PRESETS: readonly Preset[] = [
  { id: 'echo-select', title: 'Echo server with select()', code: echoSelect, settings: base },
  {
    id: 'echo-busy-loop',
    title: 'Echo server with select(): the writable busy loop',
    code: echoBusyLoop,
    settings: { ...base, maxCalls: 500, clients: { ...base.clients, halfClose: false }, faults: { ...base.faults, fragment: false } },
  },
  {
    id: 'echo-epoll-et',
    title: 'Echo server with epoll, edge-triggered (its classic bug)',
    code: echoEpollEt,
    settings: { ...base, clients: { ...base.clients, size: 4096, messages: 2 }, faults: { ...base.faults, fragment: false } },
  },
  { id: 'echo-selectors', title: 'Echo server with the selectors API', code: echoSelectors, settings: base },
  {
    id: 'framed',
    title: 'Framed protocol (a planted framing bug)',
    code: framed,
    settings: { ...base, clients: { ...base.clients, size: 100, messages: 4, halfClose: false, protocol: 'framed' } },
  },
  { id: 'chat', title: 'Chat server (its clients in the program)', code: chat, settings: { ...base, clients: noClients } },
  {
    id: 'cost',
    title: 'select vs poll vs epoll: the cost of idle connections',
    code: cost,
    settings: { ...base, clients: noClients, faults: { ...base.faults, fragment: false, latencyMs: [0, 0] } },
  },
];
