import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreConformance } from '../conformance.ts';
import { openSqliteStore } from './sqlite-store.ts';

runStoreConformance({
  newStore: async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'slipway-store-'));
    const store = await openSqliteStore({ dataDir });
    return {
      store,
      async cleanup() {
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
});
