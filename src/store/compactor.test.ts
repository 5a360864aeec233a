import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { StatusReason } from '../api/errors.ts';
import { Compactor, type CompactorTimers } from './compactor.ts';
import { machine, rejectsWith } from './conformance/fixtures.ts';
import type { StoreLogger } from './logger.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function newStore() {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-compactor-'));
  dirs.push(dataDir);
  return openSqliteStore({ dataDir });
}

/** Timers the test fires by hand. */
function manualTimers() {
  const state = { fn: undefined as (() => void) | undefined, ms: 0, cleared: false };
  const timers: CompactorTimers = {
    setInterval: (fn, ms) => {
      state.fn = fn;
      state.ms = ms;
      return 'handle';
    },
    clearInterval: (handle) => {
      state.cleared = handle === 'handle';
    },
  };
  return { state, timers };
}

test('each tick compacts to the revision seen at the previous tick', async () => {
  const store = await newStore();
  try {
    const compactor = new Compactor({ store, intervalMs: 1000 });
    const a = await store.create(machine('a'));
    await compactor.tick(); // remembers a's revision, compacts nothing
    await store.watch({ resourceVersion: '1' }).then((w) => w.close());
    const b = await store.create(machine('b'));
    await compactor.tick(); // compacts through a
    await rejectsWith(store.watch({ resourceVersion: '1' }), StatusReason.Gone);
    (await store.watch({ resourceVersion: a.metadata.resourceVersion ?? '' })).close();
    await compactor.tick(); // compacts through b
    await rejectsWith(
      store.watch({ resourceVersion: a.metadata.resourceVersion ?? '' }),
      StatusReason.Gone,
    );
    (await store.watch({ resourceVersion: b.metadata.resourceVersion ?? '' })).close();
  } finally {
    await store.close();
  }
});

test('start and stop drive the injected interval', async () => {
  const store = await newStore();
  try {
    const { state, timers } = manualTimers();
    const compactor = new Compactor({ store, intervalMs: 300_000, timers });
    compactor.start();
    assert.equal(state.ms, 300_000);
    assert.ok(state.fn);
    await store.create(machine('a'));
    state.fn();
    state.fn();
    await compactor.tick(); // ticks queue behind each other; this one waits for both
    await rejectsWith(store.watch({ resourceVersion: '1' }), StatusReason.Gone);
    compactor.stop();
    assert.equal(state.cleared, true);
  } finally {
    await store.close();
  }
});

test('a failing compaction is logged, not thrown', async () => {
  const store = await newStore();
  const warnings: unknown[] = [];
  const logger: StoreLogger = {
    info: () => {},
    error: () => {},
    warn: (obj) => warnings.push(obj),
  };
  const compactor = new Compactor({ store, logger });
  await store.close();
  await compactor.tick();
  assert.equal(warnings.length, 1);
});
