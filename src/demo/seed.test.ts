import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { kindByName } from '../api/registry.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { demoObjects, seedDemo } from './seed.ts';

test('every demo object matches its kind schema', () => {
  for (const obj of demoObjects()) {
    const kind = kindByName(obj.kind);
    assert.ok(kind, `kind ${obj.kind} is registered`);
    const errors = [...Value.Errors(kind.schema, obj)].map((e) => `${e.path}: ${e.message}`);
    assert.deepEqual(errors, [], `${obj.kind}/${obj.metadata.name}`);
  }
});

test('seeding creates the demo objects once and keeps what an admin changed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-demo-'));
  const store = await openSqliteStore({ dataDir: dir });
  try {
    const created = await seedDemo(store);
    assert.ok(created.includes('project/demo'), created.join(', '));
    assert.ok(created.includes('credential/sim'));
    const project = await store.get('Project', undefined, 'demo');
    project.spec = { ...(project.spec as object), displayName: 'Changed' };
    await store.update(project);
    assert.deepEqual(await seedDemo(store), []);
    const after = await store.get('Project', undefined, 'demo');
    assert.equal((after.spec as { displayName?: string }).displayName, 'Changed');
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
