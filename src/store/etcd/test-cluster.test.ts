// The etcd test harness itself: real members on loopback, and no member outlives the
// test process, however it ends.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { EtcdTestCluster } from './test-cluster.ts';

/** Whether `pid` is a live process (a zombie waiting to be reaped counts as dead). */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Poll until every pid is gone; false if some are still alive at the deadline. */
async function allGone(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(pids.map(alive));
    if (!states.some(Boolean)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a 3-member cluster on loopback; stop ends every member and removes its data', async () => {
  const cluster = await EtcdTestCluster.start();
  const { pids, dataDirs } = cluster;
  try {
    assert.equal(pids.length, 3);
    assert.equal(new Set(cluster.endpoints).size, 3);
    for (const url of cluster.endpoints) {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${url}/health`);
      assert.deepEqual(((await res.json()) as { health: string }).health, 'true');
    }
    await cluster.stopMember(2);
    assert.equal(cluster.isRunning(2), false);
    await cluster.restartMember(2);
    assert.equal(cluster.isRunning(2), true);
  } finally {
    await cluster.stop();
  }
  assert.ok(await allGone(pids, 1000));
  assert.ok(await allGone(cluster.pids, 1000));
  assert.deepEqual(
    dataDirs.filter((d) => existsSync(d)),
    [],
  );
});

for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
  test(`members die with a test process ended by ${signal}`, async () => {
    const harness = new URL('./test-cluster.ts', import.meta.url).href;
    const script = `
      const { EtcdTestCluster } = await import(${JSON.stringify(harness)});
      const cluster = await EtcdTestCluster.start({ size: 3 });
      console.log(JSON.stringify({ pids: cluster.pids, dirs: cluster.dataDirs }));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const lines = createInterface({ input: child.stdout });
    let started: { pids: number[]; dirs: string[] } | undefined;
    try {
      for await (const line of lines) {
        started = JSON.parse(line) as { pids: number[]; dirs: string[] };
        break;
      }
      assert.ok(started, 'the child started a cluster');
      assert.equal(started.pids.length, 3);
      child.kill(signal);
      await exited;
      assert.ok(await allGone(started.pids, 15_000), `etcd outlived a test process (${signal})`);
      if (signal === 'SIGTERM') {
        // The signal handler had time to remove the data too.
        assert.deepEqual(
          started.dirs.filter((d) => existsSync(d)),
          [],
        );
      }
    } finally {
      child.kill('SIGKILL');
      for (const pid of started?.pids ?? []) {
        if (await alive(pid)) process.kill(pid, 'SIGKILL');
      }
      await Promise.all((started?.dirs ?? []).map((d) => rm(d, { recursive: true, force: true })));
    }
  });
}
