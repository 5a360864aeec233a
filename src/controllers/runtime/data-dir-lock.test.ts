import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DataDirLock } from './data-dir-lock.ts';
import { ManualTimers } from './manual-timers.ts';
import { currentProcessIdentity } from './process-identity.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-'));
  dirs.push(dir);
  return dir;
}

async function holderPid(dataDir: string): Promise<number> {
  return (JSON.parse(await readFile(join(dataDir, 'controller.lock'), 'utf8')) as { pid: number })
    .pid;
}

test('one holder at a time; the next takes the lock once it is released', async () => {
  const dataDir = await tempDir();
  const timers = new ManualTimers();
  const first = new DataDirLock({ dataDir, timers });
  const second = new DataDirLock({ dataDir, timers, pollIntervalMs: 2000 });
  await first.acquire();
  assert.equal(first.held, true);
  let acquired = false;
  const waiting = second.acquire().then(() => (acquired = true));
  // first's liveness check and second's poll are both pending.
  await timers.waitForPending(2);
  assert.equal(acquired, false, 'a live holder in this very process is respected');
  await first.release();
  assert.equal(first.held, false);
  await timers.advance(2000);
  await waiting;
  assert.equal(second.held, true);
  await second.release();
});

test('the lock of a process killed with SIGKILL is taken over', async () => {
  const dataDir = await tempDir();
  const moduleUrl = new URL('./data-dir-lock.ts', import.meta.url).href;
  const script = `
    const { DataDirLock } = await import(${JSON.stringify(moduleUrl)});
    await new DataDirLock({ dataDir: ${JSON.stringify(dataDir)} }).acquire();
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  assert.equal(chunk.toString().trim(), 'locked');
  assert.equal(await holderPid(dataDir), child.pid);
  child.kill('SIGKILL');
  await once(child, 'exit');

  const lock = new DataDirLock({ dataDir, timers: new ManualTimers() });
  await lock.acquire(); // no waiting: the holder is gone
  assert.equal(await holderPid(dataDir), process.pid);
  await lock.release();
});

test('a reused pid does not keep a dead holder alive (start time differs)', async () => {
  const dataDir = await tempDir();
  const me = await currentProcessIdentity();
  // Our own pid, as a restarted server in a container (pid 1 every time) would see.
  const stale = { ...me, startTime: '1', token: 'old', acquiredAt: '2026-01-01T00:00:00Z' };
  await writeFile(join(dataDir, 'controller.lock'), JSON.stringify(stale));
  const lock = new DataDirLock({ dataDir, timers: new ManualTimers() });
  await lock.acquire();
  const record = JSON.parse(await readFile(lock.path, 'utf8')) as { token: string };
  assert.notEqual(record.token, 'old');
  await lock.release();
});

test('a lock held on another host is never taken over', async () => {
  const dataDir = await tempDir();
  const other = { pid: 1, hostname: 'elsewhere.example', token: 't', acquiredAt: '' };
  await writeFile(join(dataDir, 'controller.lock'), JSON.stringify(other));
  const timers = new ManualTimers();
  const lock = new DataDirLock({ dataDir, timers });
  const abort = new AbortController();
  const waiting = lock.acquire(abort.signal);
  await timers.waitForPending(1);
  await timers.advance(2000);
  await timers.waitForPending(1);
  assert.equal(lock.held, false);
  abort.abort();
  await assert.rejects(waiting, { name: 'AbortError' });
});

test('a lock file with no readable holder is stale after the grace period', async () => {
  const dataDir = await tempDir();
  const path = join(dataDir, 'controller.lock');
  await writeFile(path, ''); // created, never written: the creator died in between
  const timers = new ManualTimers();
  const lock = new DataDirLock({ dataDir, timers, unreadableGraceMs: 10_000 });
  const waiting = lock.acquire();
  await timers.waitForPending(1);
  assert.equal(lock.held, false, 'a fresh empty file may be a holder still writing');
  const old = new Date(Date.now() - 60_000);
  await utimes(path, old, old);
  await timers.advance(2000);
  await waiting;
  assert.equal(lock.held, true);
  await lock.release();
});

test('contenders racing to take over a dead lock end with exactly one holder', async () => {
  const dataDir = await tempDir();
  const me = await currentProcessIdentity();
  const stale = { ...me, startTime: '1', token: 'old', acquiredAt: '2026-01-01T00:00:00Z' };
  await writeFile(join(dataDir, 'controller.lock'), JSON.stringify(stale));
  const timers = new ManualTimers();
  const locks = [1, 2, 3, 4, 5].map(() => new DataDirLock({ dataDir, timers }));
  const acquired = locks.map((l) => l.acquire());
  // One holder (its liveness check pending) and four waiters (their polls pending).
  await timers.waitForPending(5);
  assert.equal(locks.filter((l) => l.held).length, 1);
  const winner = locks.find((l) => l.held);
  const token = (
    JSON.parse(await readFile(join(dataDir, 'controller.lock'), 'utf8')) as { token: string }
  ).token;
  assert.notEqual(token, 'old');
  await timers.advance(2000);
  await timers.waitForPending(5);
  assert.equal(locks.filter((l) => l.held).length, 1, 'the others still wait');
  // Hand the lock down the line: each release lets exactly one waiter in.
  const acquiredBy = new Map(
    locks.map((l, i) => [l, (acquired[i] as Promise<void>).then(() => l)]),
  );
  const waiting = new Set(locks.filter((l) => l !== winner));
  let holder = winner;
  while (holder) {
    await holder.release();
    if (waiting.size === 0) break;
    await timers.advance(2000);
    const next = await Promise.race(
      [...waiting].map((l) => acquiredBy.get(l) ?? Promise.reject(new Error('unknown lock'))),
    );
    assert.ok(next);
    waiting.delete(next);
    await timers.waitForPending(waiting.size + 1);
    assert.equal(locks.filter((l) => l.held).length, 1);
    holder = next;
  }
  await Promise.all(acquired);
});

test('the holder notices when its lock file is gone and reports leadership lost', async () => {
  const dataDir = await tempDir();
  const timers = new ManualTimers();
  const lock = new DataDirLock({ dataDir, timers, checkIntervalMs: 5000 });
  let lost = 0;
  const lostOnce = new Promise<void>((resolve) =>
    lock.onLost(() => {
      lost++;
      resolve();
    }),
  );
  await lock.acquire();
  await timers.advance(5000);
  await timers.waitForPending(1);
  assert.equal(lost, 0, 'still ours');
  await rm(lock.path);
  await timers.advance(5000);
  await lostOnce;
  assert.equal(lost, 1);
  assert.equal(lock.held, false);
  await lock.release(); // a no-op now
});
