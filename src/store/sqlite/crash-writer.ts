// Child process of crash.test.ts: writes as fast as it can until it is SIGKILLed.
// Each object carries the SHA-256 of its own payload, so the parent can tell a whole
// object from a torn one. Prints the number of completed writes after each one.
import { randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { isSlipwayError } from '../../api/errors.ts';
import { ApiVersion, type AnyResource } from '../../api/meta.ts';
import { checksum, checksumAnnotation } from './crash-checksum.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from '../types.ts';

function objectFor(kind: 'Machine' | 'Secret', name: string): AnyResource {
  // Large bodies (8-96 KiB) make a torn write likely if writes were not atomic.
  const payload = randomBytes(6144 + Math.floor(Math.random() * 65536)).toString('base64');
  const metadata = {
    name,
    namespace: 'crash',
    annotations: { [checksumAnnotation]: checksum(payload) },
  };
  return kind === 'Machine'
    ? {
        apiVersion: ApiVersion,
        kind,
        metadata,
        spec: { clusterName: 'c', role: 'worker', version: 'v1', infrastructure: { payload } },
      }
    : { apiVersion: ApiVersion, kind, metadata, data: { payload } };
}

/** One write: update, create when missing, and now and then a delete. */
async function writeOnce(store: Store, step: number): Promise<boolean> {
  const kind = step % 3 === 0 ? 'Secret' : 'Machine';
  const obj = objectFor(kind, `${kind.toLowerCase()}-${step % 40}`);
  try {
    if (step % 11 === 0) await store.delete(kind, 'crash', obj.metadata.name);
    else await store.update(obj);
    return true;
  } catch (err: unknown) {
    if (!isSlipwayError(err, 'NotFound')) throw err;
    if (step % 11 === 0) return false;
    await store.create(obj);
    return true;
  }
}

async function main(dataDir: string): Promise<void> {
  const store = await openSqliteStore({ dataDir });
  let commits = 0;
  for (let step = 1; ; step++) {
    // Synchronous, so the count the parent reads never runs ahead of the commits.
    if (await writeOnce(store, step)) writeSync(1, `${++commits}\n`);
  }
}

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crash-writer.ts DATA_DIR');
await main(dataDir);
