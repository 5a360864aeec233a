import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WatchHub, type SimWatchEvent } from './watch-hub.ts';

const event = (revision: number, name = 'n'): SimWatchEvent => ({
  type: 'MODIFIED',
  revision,
  object: { apiVersion: 'v1', kind: 'Node', metadata: { name } },
});

test('history is bounded across clusters; older revisions expire', () => {
  const hub = new WatchHub(0, 4);
  for (let r = 1; r <= 6; r++) hub.publish(r % 2 === 0 ? 'a' : 'b', event(r));
  // 6 > 4 × 1.25: trimmed to the last 4 (revisions 3..6).
  assert.equal(
    hub.subscribe(
      'a',
      1,
      () => {},
      () => {},
    ),
    'expired',
  );
  const seen: number[] = [];
  const sub = hub.subscribe(
    'a',
    2,
    (e) => seen.push(e.revision),
    () => {},
  );
  assert.notEqual(sub, 'expired');
  hub.publish('a', event(7));
  hub.publish('b', event(8));
  assert.deepEqual(seen, [4, 6, 7]);
});

test('dropping a cluster ends its streams and expires its old revisions', () => {
  const hub = new WatchHub(0);
  hub.publish('a', event(1));
  let closed = 0;
  hub.subscribe(
    'a',
    0,
    () => {},
    () => closed++,
  );
  hub.dropCluster('a', 2);
  assert.equal(closed, 1);
  assert.equal(
    hub.subscribe(
      'a',
      1,
      () => {},
      () => {},
    ),
    'expired',
  );
  assert.notEqual(
    hub.subscribe(
      'a',
      2,
      () => {},
      () => {},
    ),
    'expired',
  );
  hub.closeAll();
});
