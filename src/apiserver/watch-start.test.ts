// How a watch starts and what it refuses: a client that leaves before the first event,
// and resourceVersions the server cannot honour.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { ListPageOptions } from '../store/types.ts';
import {
  base,
  countingStore,
  listen,
  overrideStore,
  pick,
  startTestServer,
  testToken,
  until,
  type TestServer,
} from './test-support.ts';

const cds = `${base}/namespaces/default/clusterdeployments`;

describe('watch start', () => {
  const counts = { open: 0 };
  let s: TestServer;
  let url: string;
  let slowLists = false;
  before(async () => {
    s = await startTestServer({
      wrapStore: (store) =>
        countingStore(
          overrideStore(store, {
            async list(kind: string, opts?: ListPageOptions) {
              if (slowLists) await delay(200);
              return store.list(kind, opts);
            },
          }),
          counts,
        ),
    });
    url = await listen(s.app);
  });
  after(() => s.close());

  it('opens no store watch for a client that left while the initial list was read', async () => {
    slowLists = true;
    try {
      const abort = new AbortController();
      const request = fetch(`${url}${cds}?watch=true`, {
        headers: { authorization: `Bearer ${testToken}` },
        signal: abort.signal,
      }).catch(() => undefined);
      await delay(50);
      abort.abort();
      await request;
      await delay(400);
      await until(() => counts.open === 0, 'the store watch is closed');
    } finally {
      slowLists = false;
    }
  });

  it('refuses a resourceVersion the store has not reached, instead of skipping to it', async () => {
    const current = Number(await s.store.currentRevision());
    const res = await fetch(`${url}${cds}?watch=true&resourceVersion=${current + 100}`, {
      headers: { authorization: `Bearer ${testToken}` },
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(res.status, 504);
    const status = await res.json();
    assert.equal(pick(status, 'reason'), 'Timeout');
    assert.match(String(pick(status, 'message')), /Too large resource version/);
    assert.equal(counts.open, 0);
  });
});

describe('watch start and shutdown', () => {
  it('app.close() also ends a watch that was still reading its initial list', async () => {
    const counts = { open: 0 };
    let listing: (() => void) | undefined;
    const s = await startTestServer({
      wrapStore: (store) =>
        countingStore(
          overrideStore(store, {
            async list(kind: string, opts?: ListPageOptions) {
              listing?.();
              await delay(200);
              return store.list(kind, opts);
            },
          }),
          counts,
        ),
    });
    const url = await listen(s.app);
    const listed = new Promise<void>((resolve) => (listing = resolve));
    const response = fetch(`${url}${cds}?watch=true`, {
      headers: { authorization: `Bearer ${testToken}` },
      signal: AbortSignal.timeout(5000),
    });
    await listed;
    const started = Date.now();
    await s.close();
    assert.ok(Date.now() - started < 2000, 'close did not wait for the watch');
    assert.equal(counts.open, 0);
    const res = await response;
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '', 'the stream ends before it sends anything');
  });
});
