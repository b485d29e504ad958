/**
 * The layers of DESIGN.md, checked on every `npm test` so that they hold by construction, not by
 * convention:
 *   contract (contract.ts, contract-schema.ts, contract-scenes.ts, contract-wire.ts)  <-  engine  <-  host, main, cli, remote
 *   renderer and preload see the contract only.
 * It reads the built JavaScript in dist/ (dependency-cruiser cannot parse TypeScript 7 yet), so it sees
 * the imports that run; `tsconfig.contract.json` checks the type-only ones of the contract: the contract
 * must compile with no Node types and nothing from the engine.
 */
module.exports = {
  forbidden: [
    {
      name: 'contract-is-the-bottom',
      comment: 'The contract is what every front type-checks against: it imports no engine code and no Node module.',
      severity: 'error',
      from: { path: '^dist/electron/contract(-schema|-scenes|-wire)?\\.js$' },
      to: { pathNot: ['^dist/electron/contract(-schema|-scenes|-wire)?\\.js$', '^node_modules/valibot/'] },
    },
    {
      name: 'engine-imports-no-front',
      comment: 'The engine runs under plain Node for every front: it imports no front and never Electron.',
      severity: 'error',
      from: { path: '^dist/electron/engine/' },
      to: { path: ['^dist/electron/(main|preload|cli|remote|host)/', '^dist/renderer/', '^electron$', '^node_modules/electron/'] },
    },
    {
      name: 'renderer-sees-the-contract-only',
      comment: 'The renderer runs in a browser and in the sandboxed window: from electron/ it may import the contract alone.',
      severity: 'error',
      from: { path: '^dist/renderer/' },
      to: { path: '^dist/electron/', pathNot: '^dist/electron/contract(-schema|-scenes|-wire)?\\.js$' },
    },
    {
      name: 'preload-exposes-the-contract-only',
      comment: 'The preload exposes the contract and nothing else.',
      severity: 'error',
      from: { path: '^dist/electron/preload/' },
      to: { path: '^dist/electron/', pathNot: ['^dist/electron/contract(-schema|-scenes|-wire)?\\.js$', '^dist/electron/preload/'] },
    },
    {
      name: 'fronts-do-not-import-each-other',
      comment: 'One front, one adapter: a front reaches the engine through the contract, never through another front.',
      severity: 'error',
      from: { path: '^dist/electron/(main|cli|remote|host)/' },
      // One exception: `uplink serve` is how the web remote is launched, so the CLI may start it (the remote
      // never imports the CLI).
      to: { path: '^dist/electron/(main|cli|remote|host)/', pathNot: ['^dist/electron/$1/', '^dist/electron/remote/server\\.js$'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
