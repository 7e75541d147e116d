/**
 * The layers of lib/ as rules (`npm run check:arch`). Each folder's README says the same in words: what it
 * holds and what it may import. Type-only imports count (a cycle of types is still a cycle).
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'node-builtin-outside-node-backend',
      comment:
        'Node built-ins (node:fs, net, process...) are imported only by the Node backend (lib/backends/node/) ' +
        'and the command-line tool (lib/cli/): the rest of lib/ runs in a browser too, on the platform seam (core/platform.ts).',
      severity: 'error',
      from: { path: '^lib/', pathNot: ['^lib/backends/node/(?!browser\\.ts$)', '^lib/cli/'] },
      to: { dependencyTypes: ['core'], pathNot: '^buffer$' },
    },
    {
      name: 'buffer-only-in-browser-stand-in',
      comment: 'The buffer package stands in for Node\'s Buffer in a browser bundle; only backends/node/browser.ts loads it.',
      severity: 'error',
      from: { path: '^lib/', pathNot: ['^lib/backends/node/', '^lib/cli/'] },
      to: { path: '^buffer$' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycle, type-only ones included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-the-bottom-layer',
      comment: 'lib/core/ imports nothing else in lib/.',
      severity: 'error',
      from: { path: '^lib/core/' },
      to: { path: '^lib/', pathNot: '^lib/core/' },
    },
    {
      name: 'models-over-core-and-trace',
      comment: 'A model (select, poll, epoll) sees only core and publishes on trace: no socket kind, no backend.',
      severity: 'error',
      from: { path: '^lib/models/' },
      to: { path: '^lib/', pathNot: '^lib/(core|models|trace)/' },
    },
    {
      name: 'selectors-over-models',
      comment: 'The selectors API is a thin layer over the models.',
      severity: 'error',
      from: { path: '^lib/selectors/' },
      to: { path: '^lib/', pathNot: '^lib/(core|models|selectors)/' },
    },
    {
      name: 'backends-import-no-model-and-no-socket',
      comment: 'A backend moves bytes: it knows core and the transport interfaces, never a model, a socket kind or the trace.',
      severity: 'error',
      from: { path: '^lib/backends/' },
      to: { path: '^lib/(models|selectors|sockets|trace|testing|cli)/' },
    },
    {
      name: 'trace-over-core',
      comment: 'The trace imports core (and the trace-file writer the Node backend\'s entry, for its file).',
      severity: 'error',
      from: { path: '^lib/trace/' },
      to: { path: '^lib/', pathNot: ['^lib/(core|trace)/', '^lib/backends/node/index\\.ts$'] },
    },
    {
      name: 'sockets-over-transports',
      comment:
        'A socket kind talks to a transport interface; of the backends it may name only the Node backend\'s entry ' +
        '(for real sockets) and the fault wrapper, never a model, the memory or simulated backend, or Node internals.',
      severity: 'error',
      from: { path: '^lib/sockets/' },
      to: {
        path: ['^lib/(models|selectors|testing|cli)/', '^lib/backends/(memory|sim)/', '^lib/backends/node/(?!index\\.ts$)'],
      },
    },
    {
      name: 'node-backend-through-its-entry',
      comment: 'Outside the Node backend, only its entry (index.ts, which a browser bundle swaps for browser.ts) is imported.',
      severity: 'error',
      from: { path: '^lib/', pathNot: '^lib/backends/node/' },
      to: { path: '^lib/backends/node/(?!index\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
