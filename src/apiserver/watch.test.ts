// Watch over a real HTTP listener: events stream as they happen, resume from a
// resourceVersion, 410 after compaction, and no store watch outlives its client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  base,
  clusterDeployment,
  countingStore,
  listen,
  openWatch,
  pick,
  startTestServer,
  until,
  type TestServer,
} from './test-support.ts';

const cds = `${base}/namespaces/default/clusterdeployments`;
const merge = { 'content-type': 'application/merge-patch+json' };

describe('watch', () => {
  const counts = { open: 0 };
  let s: TestServer;
  let url: string;
  before(async () => {
    s = await startTestServer({
      wrapStore: (store) => countingStore(store, counts),
      watchBookmarkIntervalMs: 50,
    });
    url = await listen(s.app);
  });
  after(() => s.close());

  it('streams ADDED, MODIFIED and DELETED as they happen, from a list resourceVersion', async () => {
    const list = (await s.call('GET', cds)).json<unknown>();
    const rv = String(pick(list, 'metadata.resourceVersion'));
    const watch = await openWatch(`${url}${cds}?watch=true&resourceVersion=${rv}`);
    try {
      assert.equal(watch.status, 200);
      assert.match(String(watch.contentType), /application\/json/);
      await s.call('POST', cds, clusterDeployment('w1'));
      const added = await watch.next();
      assert.equal(added?.type, 'ADDED');
      assert.equal(pick(added?.object, 'metadata.name'), 'w1');
      // Each event arrives on its own, before the next write happens.
      await s.call('PATCH', `${cds}/w1`, { spec: { paused: true } }, merge);
      const modified = await watch.next();
      assert.equal(modified?.type, 'MODIFIED');
      assert.equal(pick(modified?.object, 'spec.paused'), true);
      await s.call('DELETE', `${cds}/w1`);
      const deleted = await watch.next();
      assert.equal(deleted?.type, 'DELETED');
      assert.equal(pick(deleted?.object, 'metadata.name'), 'w1');
    } finally {
      watch.close();
    }
  });

  it('starts with ADDED for existing objects when no resourceVersion is given', async () => {
    await s.call('POST', cds, clusterDeployment('existing'));
    const watch = await openWatch(`${url}${cds}?watch=1`);
    try {
      const first = await watch.next();
      assert.equal(first?.type, 'ADDED');
      assert.equal(pick(first?.object, 'metadata.name'), 'existing');
      await s.call('POST', cds, clusterDeployment('later'));
      const second = await watch.next();
      assert.equal(pick(second?.object, 'metadata.name'), 'later');
    } finally {
      watch.close();
    }
  });

  it('resumes from an older resourceVersion, replaying what happened since', async () => {
    const from = String(
      pick((await s.call('GET', cds)).json<unknown>(), 'metadata.resourceVersion'),
    );
    await s.call('POST', cds, clusterDeployment('r1'));
    await s.call('POST', cds, clusterDeployment('r2'));
    await s.call('DELETE', `${cds}/r1`);
    const watch = await openWatch(`${url}${cds}?watch=true&resourceVersion=${from}`);
    try {
      const seen = [];
      for (let i = 0; i < 3; i++) {
        const event = await watch.next();
        seen.push(`${event?.type} ${String(pick(event?.object, 'metadata.name'))}`);
      }
      assert.deepEqual(seen, ['ADDED r1', 'ADDED r2', 'DELETED r1']);
    } finally {
      watch.close();
    }
  });

  it('filters by label selector and namespace', async () => {
    const from = String(
      pick((await s.call('GET', cds)).json<unknown>(), 'metadata.resourceVersion'),
    );
    const watch = await openWatch(
      `${url}${cds}?watch=true&resourceVersion=${from}&labelSelector=team%3Dblue`,
    );
    try {
      await s.call('POST', `${base}/namespaces/other/clusterdeployments`, {
        ...clusterDeployment('o1', 'other'),
        metadata: { name: 'o1', namespace: 'other', labels: { team: 'blue' } },
      });
      await s.call('POST', cds, clusterDeployment('red'));
      await s.call('POST', cds, {
        ...clusterDeployment('blue'),
        metadata: { name: 'blue', labels: { team: 'blue' } },
      });
      const event = await watch.next();
      assert.equal(pick(event?.object, 'metadata.name'), 'blue');
    } finally {
      watch.close();
    }
  });

  it('answers a compacted resourceVersion with HTTP 200 and an ERROR event carrying 410 Expired', async () => {
    const old = String(
      pick((await s.call('GET', cds)).json<unknown>(), 'metadata.resourceVersion'),
    );
    await s.call('POST', cds, clusterDeployment('c1'));
    await s.call('POST', cds, clusterDeployment('c2'));
    await s.store.compact(await s.store.currentRevision());
    const watch = await openWatch(`${url}${cds}?watch=true&resourceVersion=${old}`);
    try {
      assert.equal(watch.status, 200);
      const event = await watch.next();
      assert.equal(event?.type, 'ERROR');
      assert.equal(pick(event?.object, 'kind'), 'Status');
      assert.equal(pick(event?.object, 'code'), 410);
      assert.equal(pick(event?.object, 'reason'), 'Expired');
      assert.equal(await watch.next(), undefined, 'the stream ends after the error');
    } finally {
      watch.close();
    }
    // A client that lists again and watches from there carries on.
    const fresh = String(
      pick((await s.call('GET', cds)).json<unknown>(), 'metadata.resourceVersion'),
    );
    const again = await openWatch(`${url}${cds}?watch=true&resourceVersion=${fresh}`);
    try {
      await s.call('POST', cds, clusterDeployment('c3'));
      assert.equal(pick((await again.next())?.object, 'metadata.name'), 'c3');
    } finally {
      again.close();
    }
  });

  it('sends bookmarks when allowed and ends at timeoutSeconds', async () => {
    const rv = await s.store.currentRevision();
    const watch = await openWatch(
      `${url}${cds}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=1`,
    );
    const event = await watch.next();
    assert.equal(event?.type, 'BOOKMARK');
    assert.equal(pick(event?.object, 'kind'), 'ClusterDeployment');
    assert.match(String(pick(event?.object, 'metadata.resourceVersion')), /^\d+$/);
    let end: unknown = event;
    for (let i = 0; i < 100 && end !== undefined; i++) end = await watch.next(3000);
    assert.equal(end, undefined, 'the stream ends after timeoutSeconds');
    await until(() => counts.open === 0, 'the store watch is closed');
  });

  it('closes the store watch when the client disconnects', async () => {
    await until(() => counts.open === 0, 'no watches are open');
    const rv = await s.store.currentRevision();
    const watches = await Promise.all(
      [1, 2, 3].map(() => openWatch(`${url}${cds}?watch=true&resourceVersion=${rv}`)),
    );
    await until(() => counts.open === 3, 'three store watches are open');
    for (const w of watches) w.close();
    await until(() => counts.open === 0, 'every store watch is closed');
  });

  it('watches a single object by URL, as a field selector on its name', async () => {
    const rv = await s.store.currentRevision();
    const watch = await openWatch(`${url}${cds}/single?watch=true&resourceVersion=${rv}`);
    try {
      await s.call('POST', cds, clusterDeployment('other-one'));
      await s.call('POST', cds, clusterDeployment('single'));
      const event = await watch.next();
      assert.equal(event?.type, 'ADDED');
      assert.equal(pick(event?.object, 'metadata.name'), 'single');
    } finally {
      watch.close();
    }
  });
});

describe('watch and shutdown', () => {
  it('app.close() ends open watch streams instead of waiting for them', async () => {
    const s = await startTestServer();
    const url = await listen(s.app);
    const watch = await openWatch(`${url}${cds}?watch=true`);
    await s.close();
    assert.equal(await watch.next(), undefined);
  });
});
