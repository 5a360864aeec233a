import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ApiVersion, gone, type AnyResource } from '../../api/index.ts';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { Store, WatchOptions } from '../../store/types.ts';
import { overrideStore } from '../test-support.ts';
import { ProjectIndex } from './project-index.ts';

function project(name: string, members: unknown[]): AnyResource {
  return { apiVersion: ApiVersion, kind: 'Project', metadata: { name }, spec: { members } };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await delay(10);
  assert.ok(check(), 'the index did not catch up');
}

describe('ProjectIndex', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-project-index-'));
    store = await openSqliteStore({ dataDir: dir });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers roles by user name and by group, the higher role winning', async () => {
    await store.create(
      project('alpha', [
        { user: 'ann', role: 'viewer' },
        { group: 'devs', role: 'owner' },
        { user: 'carl', role: 'member' },
      ]),
    );
    const index = new ProjectIndex({ store });
    await index.ready();
    try {
      const ann = { username: 'ann', groups: ['devs'] };
      assert.deepEqual([...index.rolesOf(ann)], [['alpha', 'owner']]);
      assert.deepEqual(await index.membershipsOf({ username: 'carl', groups: [] }), [
        { name: 'alpha', role: 'member' },
      ]);
      assert.equal(index.rolesOf({ username: 'dora', groups: ['ops'] }).size, 0);

      // Follows changes through its watch.
      await store.create(project('beta', [{ user: 'dora', role: 'viewer' }]));
      await until(() => index.rolesOf({ username: 'dora', groups: [] }).get('beta') === 'viewer');
      await store.delete('Project', undefined, 'beta');
      await until(() => index.project('beta') === undefined);
    } finally {
      await index.stop();
    }
  });

  it('relists when its watch answers 410 Gone', async () => {
    let refusals = 1;
    const errors: unknown[] = [];
    const flaky = overrideStore(store, {
      async watch(opts: WatchOptions) {
        if (refusals-- > 0) throw gone('too old resource version');
        return store.watch(opts);
      },
    });
    const index = new ProjectIndex({
      store: flaky,
      retryDelayMs: 10,
      onError: (e) => errors.push(e),
    });
    await index.ready();
    try {
      await store.create(project('gamma', [{ user: 'eve', role: 'member' }]));
      await until(() => index.project('gamma') !== undefined);
      assert.equal(errors.length, 1);
    } finally {
      await index.stop();
    }
  });
});
