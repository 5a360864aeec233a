#!/usr/bin/env -S node --max-semi-space-size=16
// Launcher for the `slipway` command. Slipway runs on Node.js 24 (it executes its
// TypeScript sources directly). When started by an older system Node, re-run the
// CLI on the Node 24 that `npm ci` installed from the `node` package.
//
// --max-semi-space-size=16: V8 sizes the young generation from the machine's memory
// (64 MiB of new space on a 24 GiB machine); a server managing a thousand clusters
// kept it full and paid ~100 MiB of RSS for it. 16 MiB semi-spaces cost no measurable
// CPU (docs/operations.md, "Memory"). V8 reads the flag only at start-up.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  await import(main);
} else {
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(pinned)) {
    console.error(
      `slipway needs Node.js 24 or newer (this is ${process.version}); run npm ci first.`,
    );
    process.exit(1);
  }
  const result = spawnSync(pinned, ['--max-semi-space-size=16', main, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}
