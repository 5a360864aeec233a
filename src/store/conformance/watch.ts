// Conformance: watch events, filters, selector transitions, resume, 410 after
// compaction, bookmarks, closing and slow consumers.
import assert from 'node:assert/strict';
import { StatusReason } from '../../api/errors.ts';
import {
  ipPool,
  machine,
  nextEvent,
  nextEvents,
  rejectsWith,
  watchEnded,
  withStore,
  type NewStore,
  check,
  suite,
} from './fixtures.ts';

export function watchSuite(newStore: NewStore): void {
  suite('watch', () => {
    check('ADDED, MODIFIED and DELETED with the object and its revision', () =>
      withStore(newStore, async (store) => {
        const watch = await store.watch({ kind: 'Machine' });
        const created = await store.create(machine('m1'));
        const updated = await store.updateStatus({ ...created, status: { phase: 'Running' } });
        const deleted = await store.delete('Machine', 'team-a', 'm1');
        const added = await nextEvent(watch);
        assert.equal(added.type, 'ADDED');
        assert.deepEqual(added.object, created);
        const modified = await nextEvent(watch);
        assert.equal(modified.type, 'MODIFIED');
        assert.deepEqual(modified.object, updated);
        const gone = await nextEvent(watch);
        assert.equal(gone.type, 'DELETED');
        assert.deepEqual(gone.object, deleted);
        watch.close();
      }),
    );

    check('filters by kind and namespace; no kind means every kind', () =>
      withStore(newStore, async (store) => {
        const machines = await store.watch({ kind: 'Machine', namespace: 'ns2' });
        const everything = await store.watch({});
        await store.create(ipPool('p1'));
        await store.create(machine('m1', 'ns1'));
        await store.create(machine('m2', 'ns2'));
        assert.deepEqual(await nextEvents(machines, 1), ['ADDED m2']);
        assert.deepEqual(await nextEvents(everything, 3), ['ADDED p1', 'ADDED m1', 'ADDED m2']);
        machines.close();
        everything.close();
      }),
    );

    check('label selectors, with ADDED/DELETED when an update changes whether it matches', () =>
      withStore(newStore, async (store) => {
        const watch = await store.watch({ kind: 'Machine', labelSelector: 'env=prod' });
        const m = await store.create(machine('m1', 'team-a', { labels: { env: 'dev' } }));
        const prod = await store.update({
          ...m,
          metadata: { ...m.metadata, labels: { env: 'prod' } },
        });
        const annotated = await store.update({
          ...prod,
          metadata: { ...prod.metadata, annotations: { a: 'b' } },
        });
        const dev = await store.update({
          ...annotated,
          metadata: { ...annotated.metadata, labels: { env: 'dev' } },
        });
        await store.create(machine('m2', 'team-a', { labels: { env: 'prod' } }));
        assert.deepEqual(await nextEvents(watch, 2), ['ADDED m1', 'MODIFIED m1']);
        const left = await nextEvent(watch);
        assert.equal(left.type, 'DELETED');
        // Like Kubernetes: the last state that matched, at the revision it stopped matching.
        assert.deepEqual(left.object.metadata.labels, { env: 'prod' });
        assert.equal(left.object.metadata.resourceVersion, dev.metadata.resourceVersion);
        assert.deepEqual(await nextEvents(watch, 1), ['ADDED m2']);
        watch.close();
      }),
    );

    check('field selectors', () =>
      withStore(newStore, async (store) => {
        const watch = await store.watch({
          kind: 'Machine',
          fieldSelector: 'metadata.name=m2,metadata.namespace!=ns1',
        });
        await store.create(machine('m1', 'ns2'));
        await store.create(machine('m2', 'ns1'));
        await store.create(machine('m2', 'ns2'));
        const ev = await nextEvent(watch);
        assert.equal(ev.type, 'ADDED');
        assert.equal(ev.object.metadata.namespace, 'ns2');
        assert.equal(ev.object.metadata.name, 'm2');
        watch.close();
      }),
    );

    check('resumes from a revision: history first, then live events', () =>
      withStore(newStore, async (store) => {
        const a = await store.create(machine('a'));
        await store.create(machine('b'));
        await store.update({ ...a, metadata: { ...a.metadata, labels: { x: 'y' } } });
        await store.delete('Machine', 'team-a', 'b');
        const watch = await store.watch({
          kind: 'Machine',
          resourceVersion: a.metadata.resourceVersion ?? '',
        });
        await store.create(machine('c'));
        assert.deepEqual(await nextEvents(watch, 4), [
          'ADDED b',
          'MODIFIED a',
          'DELETED b',
          'ADDED c',
        ]);
        watch.close();
      }),
    );

    check('resuming with a label selector replays selector transitions too', () =>
      withStore(newStore, async (store) => {
        await store.create(machine('before'));
        const start = await store.currentRevision();
        const m = await store.create(machine('m1', 'team-a', { labels: { env: 'prod' } }));
        await store.update({ ...m, metadata: { ...m.metadata, labels: { env: 'dev' } } });
        const watch = await store.watch({
          kind: 'Machine',
          labelSelector: 'env=prod',
          resourceVersion: start,
        });
        assert.deepEqual(await nextEvents(watch, 2), ['ADDED m1', 'DELETED m1']);
        watch.close();
      }),
    );

    check("watching from a list's resourceVersion misses nothing, even on an empty store", () =>
      withStore(newStore, async (store) => {
        const list = await store.list('Machine');
        assert.notEqual(list.resourceVersion, '0', '"0" would mean "from now"');
        await store.create(machine('first'));
        const watch = await store.watch({ kind: 'Machine', resourceVersion: list.resourceVersion });
        assert.deepEqual(await nextEvents(watch, 1), ['ADDED first']);
        watch.close();
      }),
    );

    check('without a revision (or "0") a watch starts now', () =>
      withStore(newStore, async (store) => {
        await store.create(machine('old'));
        const fromNow = await store.watch({ kind: 'Machine' });
        const fromZero = await store.watch({ kind: 'Machine', resourceVersion: '0' });
        await store.create(machine('new'));
        assert.deepEqual(await nextEvents(fromNow, 1), ['ADDED new']);
        assert.deepEqual(await nextEvents(fromZero, 1), ['ADDED new']);
        fromNow.close();
        fromZero.close();
      }),
    );

    check('after compaction an older revision answers 410 Gone', () =>
      withStore(newStore, async (store) => {
        const a = await store.create(machine('a'));
        const b = await store.create(machine('b'));
        await store.create(machine('c'));
        await store.compact(b.metadata.resourceVersion ?? '');
        const err = await rejectsWith(
          store.watch({ kind: 'Machine', resourceVersion: a.metadata.resourceVersion ?? '' }),
          StatusReason.Gone,
        );
        assert.equal((err as { code?: number }).code, 410);
        const ok = await store.watch({
          kind: 'Machine',
          resourceVersion: b.metadata.resourceVersion ?? '',
        });
        assert.deepEqual(await nextEvents(ok, 1), ['ADDED c']);
        ok.close();
        await store.compact(a.metadata.resourceVersion ?? ''); // older than the last: no-op
        await rejectsWith(
          store.compact(String(Number(await store.currentRevision()) + 10)),
          StatusReason.BadRequest,
        );
      }),
    );

    check('bookmarks carry the current revision', () =>
      withStore(newStore, async (store) => {
        await store.create(machine('a'));
        const watch = await store.watch({ kind: 'Machine', bookmarkIntervalMs: 10 });
        const ev = await nextEvent(watch);
        assert.equal(ev.type, 'BOOKMARK');
        assert.equal(ev.object.metadata.resourceVersion, await store.currentRevision());
        watch.close();
      }),
    );

    check('close ends the iteration, also for a reader already waiting', () =>
      withStore(newStore, async (store) => {
        const watch = await store.watch({ kind: 'Machine' });
        const pending = watchEnded(watch);
        watch.close();
        assert.equal(await pending, true);
        const other = await store.watch({ kind: 'Machine' });
        await store.create(machine('a'));
        for await (const ev of other) {
          assert.equal(ev.type, 'ADDED');
          break; // leaving the loop closes the watch
        }
        await store.create(machine('b'));
        assert.equal(await watchEnded(other), true);
      }),
    );

    check('closing the store ends its watches', async () => {
      const harness = await newStore();
      try {
        const watch = await harness.store.watch({});
        const pending = watchEnded(watch);
        await harness.store.close();
        assert.equal(await pending, true);
      } finally {
        await harness.cleanup();
      }
    });

    check('a consumer that does not read never blocks writers', () =>
      withStore(newStore, async (store) => {
        const slow = await store.watch({ kind: 'Machine' });
        for (let i = 0; i < 500; i++) await store.create(machine(`m${String(i).padStart(3, '0')}`));
        const names = (await nextEvents(slow, 500)).map((e) => e.slice('ADDED '.length));
        assert.equal(names[0], 'm000');
        assert.equal(names[499], 'm499');
        slow.close();
      }),
    );

    check('finalizers: MODIFIED with deletionTimestamp, then DELETED', () =>
      withStore(newStore, async (store) => {
        await store.create(machine('m1', 'team-a', { finalizers: ['a/b'] }));
        const watch = await store.watch({ kind: 'Machine' });
        const marked = await store.delete('Machine', 'team-a', 'm1');
        await store.update({ ...marked, metadata: { ...marked.metadata, finalizers: [] } });
        const mod = await nextEvent(watch);
        assert.equal(mod.type, 'MODIFIED');
        assert.ok(mod.object.metadata.deletionTimestamp);
        assert.equal((await nextEvent(watch)).type, 'DELETED');
        watch.close();
      }),
    );

    check('dry runs and no-op writes send no events', () =>
      withStore(newStore, async (store) => {
        const m = await store.create(machine('m1'));
        const watch = await store.watch({ kind: 'Machine' });
        await store.create(machine('m2'), { dryRun: true });
        await store.update({ ...m, spec: { changed: true } }, { dryRun: true });
        await store.delete('Machine', 'team-a', 'm1', { dryRun: true });
        await store.update(m);
        await store.create(machine('m3'));
        assert.deepEqual(await nextEvents(watch, 1), ['ADDED m3']);
        watch.close();
      }),
    );

    check('a revision the store has not reached is refused, not skipped to', () =>
      withStore(newStore, async (store) => {
        const ahead = String(Number(await store.currentRevision()) + 5);
        const err = await rejectsWith(
          store.watch({ kind: 'Machine', resourceVersion: ahead }),
          StatusReason.Timeout,
        );
        assert.equal((err as { code?: number }).code, 504);
        const current = await store.currentRevision();
        const ok = await store.watch({ kind: 'Machine', resourceVersion: current });
        await store.create(machine('next'));
        assert.deepEqual(await nextEvents(ok, 1), ['ADDED next']);
        ok.close();
      }),
    );

    check('a malformed resourceVersion is a BadRequest', () =>
      withStore(newStore, async (store) => {
        await rejectsWith(
          store.watch({ kind: 'Machine', resourceVersion: 'abc' }),
          StatusReason.BadRequest,
        );
      }),
    );
  });
}
