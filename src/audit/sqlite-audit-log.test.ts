import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { openSqliteAuditLog, type SqliteAuditLogOptions } from './sqlite-audit-log.ts';
import { InvalidContinueToken, type AuditRecord } from './types.ts';

async function withLog(
  opts: Partial<SqliteAuditLogOptions>,
  fn: (log: Awaited<ReturnType<typeof openSqliteAuditLog>>, dataDir: string) => Promise<void>,
): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-audit-'));
  const log = await openSqliteAuditLog({ dataDir, ...opts });
  try {
    await fn(log, dataDir);
  } finally {
    await log.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function record(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    time: new Date('2026-11-21T10:00:00.000Z'),
    user: 'alice',
    groups: ['system:authenticated'],
    verb: 'create',
    apiGroup: 'slipway.dev',
    resource: 'clusterdeployments',
    namespace: 'course',
    name: 'c1',
    path: '/apis/slipway.dev/v1alpha1/namespaces/course/clusterdeployments',
    sourceIP: '127.0.0.1',
    userAgent: 'test',
    code: 201,
    result: 'allowed',
    ...overrides,
  };
}

test('entries are written in batches by the timer, and read back newest first with every field', async () => {
  await withLog({ flushIntervalMs: 20 }, async (log, dataDir) => {
    log.append(record({ time: new Date('2026-11-21T10:00:00.000Z'), name: 'first' }));
    log.append(
      record({
        time: new Date('2026-11-21T10:00:01.000Z'),
        name: 'second',
        code: 403,
        result: 'denied',
        message: 'forbidden',
        dryRun: true,
        subresource: 'status',
      }),
    );
    // Not yet on disk: appends only queue.
    const raw = new DatabaseSync(join(dataDir, 'audit.db'), { readOnly: true });
    try {
      const count = () =>
        Number(raw.prepare('SELECT count(*) AS n FROM audit_events').get()?.['n']);
      assert.equal(count(), 0);
      await delay(100);
      assert.equal(count(), 2);
    } finally {
      raw.close();
    }
    const page = await log.query();
    assert.deepEqual(
      page.items.map((e) => e.name),
      ['second', 'first'],
    );
    const second = page.items[0];
    assert.ok(second);
    assert.match(second.id, /^\d+$/);
    assert.deepEqual(
      { ...second, id: 'x' },
      {
        id: 'x',
        time: '2026-11-21T10:00:01.000Z',
        user: 'alice',
        groups: ['system:authenticated'],
        verb: 'create',
        apiGroup: 'slipway.dev',
        resource: 'clusterdeployments',
        subresource: 'status',
        namespace: 'course',
        name: 'second',
        path: '/apis/slipway.dev/v1alpha1/namespaces/course/clusterdeployments',
        sourceIP: '127.0.0.1',
        userAgent: 'test',
        code: 403,
        result: 'denied',
        message: 'forbidden',
        dryRun: true,
      },
    );
    assert.equal(page.continue, undefined);
  });
});

test('a query sees entries still queued; the file is private', async () => {
  await withLog({ flushIntervalMs: 60_000 }, async (log, dataDir) => {
    log.append(record());
    const page = await log.query();
    assert.equal(page.items.length, 1);
    assert.equal((await stat(join(dataDir, 'audit.db'))).mode & 0o777, 0o600);
  });
});

test('filters combine, and pages continue where the last one ended', async () => {
  await withLog({}, async (log) => {
    const start = Date.parse('2026-11-21T00:00:00.000Z');
    for (let i = 0; i < 25; i++) {
      log.append(
        record({
          // Two entries share each second, so the token must break ties by id.
          time: new Date(start + Math.floor(i / 2) * 1000),
          user: i % 2 === 0 ? 'alice' : 'bob',
          verb: i % 3 === 0 ? 'delete' : 'create',
          namespace: i % 5 === 0 ? 'other' : 'course',
          resource: i === 7 ? 'secrets' : 'clusterdeployments',
          name: `n${i}`,
        }),
      );
    }
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await log.query({ limit: 4, ...(token ? { continue: token } : {}) });
      names.push(...page.items.map((e) => e.name ?? ''));
      token = page.continue;
      pages++;
    } while (token);
    assert.equal(pages, 7);
    // Newest first; among equal times, the later append first.
    assert.deepEqual(
      names,
      Array.from({ length: 25 }, (_, i) => `n${24 - i}`),
    );

    const alice = await log.query({ user: 'alice' });
    assert.equal(alice.items.length, 13);
    assert.ok(alice.items.every((e) => e.user === 'alice'));

    const aliceDeletesInCourse = await log.query({
      user: 'alice',
      verb: 'delete',
      namespace: 'course',
    });
    // i even, i % 3 == 0, i % 5 != 0: 6, 12, 18, 24
    assert.deepEqual(
      aliceDeletesInCourse.items.map((e) => e.name),
      ['n24', 'n18', 'n12', 'n6'],
    );
    assert.deepEqual(
      (await log.query({ resource: 'secrets' })).items.map((e) => e.name),
      ['n7'],
    );
    const window = await log.query({
      since: new Date(start + 2000),
      until: new Date(start + 4000),
    });
    assert.deepEqual(
      window.items.map((e) => e.name),
      ['n7', 'n6', 'n5', 'n4'],
    );
    await assert.rejects(log.query({ continue: 'garbage' }), InvalidContinueToken);
  });
});

test('limit is capped at 1000 and defaults to 100', async () => {
  await withLog({}, async (log) => {
    for (let i = 0; i < 1005; i++) log.append(record({ name: `n${i}` }));
    const defaultPage = await log.query();
    assert.equal(defaultPage.items.length, 100);
    assert.ok(defaultPage.continue);
    const big = await log.query({ limit: 5000 });
    assert.equal(big.items.length, 1000);
    assert.ok(big.continue);
  });
});

test('the sweep deletes entries older than the retention, by the injected clock', async () => {
  let now = new Date('2026-11-21T12:00:00.000Z');
  await withLog({ clock: () => now, retentionMs: 90 * 86_400_000 }, async (log) => {
    log.append(record({ time: new Date('2026-08-01T00:00:00.000Z'), name: 'old' }));
    log.append(record({ time: new Date('2026-11-01T00:00:00.000Z'), name: 'recent' }));
    await log.query(); // written
    assert.equal(log.sweep(), 1);
    assert.deepEqual(
      (await log.query()).items.map((e) => e.name),
      ['recent'],
    );
    now = new Date('2027-03-01T00:00:00.000Z');
    assert.equal(log.sweep(), 1);
    assert.deepEqual((await log.query()).items, []);
  });
});

test('the table is append-only: an update is refused by the database itself', async () => {
  await withLog({}, async (log, dataDir) => {
    log.append(record());
    await log.query();
    const raw = new DatabaseSync(join(dataDir, 'audit.db'));
    try {
      assert.throws(() => raw.exec("UPDATE audit_events SET user = 'mallory'"), /append-only/);
    } finally {
      raw.close();
    }
  });
});

test('close writes what is queued; entries survive a reopen; appends after close are dropped', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-audit-'));
  try {
    const log = await openSqliteAuditLog({ dataDir, flushIntervalMs: 60_000 });
    log.append(record({ name: 'queued' }));
    await log.close();
    log.append(record({ name: 'late' }));
    const again = await openSqliteAuditLog({ dataDir });
    try {
      assert.deepEqual(
        (await again.query()).items.map((e) => e.name),
        ['queued'],
      );
    } finally {
      await again.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a locked file never fails an append: the batch stays queued and is written later', async () => {
  const errors: string[] = [];
  await withLog(
    { flushIntervalMs: 10, onError: (_err, context) => errors.push(context) },
    async (log, dataDir) => {
      const other = new DatabaseSync(join(dataDir, 'audit.db'));
      other.exec('BEGIN EXCLUSIVE');
      log.append(record({ name: 'while-locked' }));
      await delay(400);
      assert.ok(errors.includes('writing audit entries'));
      other.exec('COMMIT');
      other.close();
      // Retried after 10 × the flush interval.
      await delay(400);
      const raw = new DatabaseSync(join(dataDir, 'audit.db'), { readOnly: true });
      try {
        const row = raw.prepare('SELECT name FROM audit_events').get();
        assert.equal(row?.['name'], 'while-locked');
      } finally {
        raw.close();
      }
    },
  );
});
