// Conformance: optimistic concurrency, generation, status/spec separation, finalizers,
// no-op writes and dry runs.
import assert from 'node:assert/strict';
import { StatusReason } from '../../api/errors.ts';
import type { AnyResource } from '../../api/meta.ts';
import {
  ipAddress,
  machine,
  rejectsWith,
  secret,
  withStore,
  type NewStore,
  check,
  suite,
} from './fixtures.ts';

const withSpec = (obj: AnyResource, spec: Record<string, unknown>): AnyResource => ({
  ...obj,
  spec: { ...(obj.spec as Record<string, unknown>), ...spec },
});

export function writeRulesSuite(newStore: NewStore): void {
  suite('optimistic concurrency', () => {
    check('a stale resourceVersion is a Conflict for update, updateStatus and delete', () =>
      withStore(newStore, async (store) => {
        const v1 = await store.create(machine('m1'));
        const v2 = await store.update(withSpec(v1, { version: 'v2' }));
        const err = await rejectsWith(
          store.update(withSpec(v1, { version: 'v3' })),
          StatusReason.Conflict,
        );
        assert.match(err.message, /m1/);
        await rejectsWith(
          store.updateStatus({ ...v1, status: { phase: 'Running' } }),
          StatusReason.Conflict,
        );
        await rejectsWith(
          store.delete('Machine', 'team-a', 'm1', {
            resourceVersion: v1.metadata.resourceVersion ?? '',
          }),
          StatusReason.Conflict,
        );
        assert.deepEqual(await store.get('Machine', 'team-a', 'm1'), v2);
        await store.delete('Machine', 'team-a', 'm1', {
          resourceVersion: v2.metadata.resourceVersion ?? '',
        });
      }),
    );

    check(
      'delete with a uid precondition fails with Conflict for another object of that name',
      () =>
        withStore(newStore, async (store) => {
          const first = await store.create(machine('m1'));
          await store.delete('Machine', 'team-a', 'm1');
          await store.create(machine('m1'));
          await rejectsWith(
            store.delete('Machine', 'team-a', 'm1', { uid: first.metadata.uid ?? '' }),
            StatusReason.Conflict,
          );
        }),
    );

    check('without a resourceVersion an update is unconditional', () =>
      withStore(newStore, async (store) => {
        const v1 = await store.create(machine('m1'));
        await store.update(withSpec(v1, { version: 'v2' }));
        const blind = withSpec(v1, { version: 'v3' });
        delete blind.metadata.resourceVersion;
        assert.equal((await store.update(blind)).metadata.generation, 3);
      }),
    );
  });

  suite('generation, spec and status', () => {
    check('generation moves only when the spec changes', () =>
      withStore(newStore, async (store) => {
        const v1 = await store.create(machine('m1'));
        const labels = await store.update({
          ...v1,
          metadata: { ...v1.metadata, labels: { a: 'b' }, annotations: { n: '1' } },
        });
        assert.equal(labels.metadata.generation, 1);
        const fin = await store.update({
          ...labels,
          metadata: { ...labels.metadata, finalizers: ['x/y'] },
        });
        assert.equal(fin.metadata.generation, 1);
        const status = await store.updateStatus({ ...fin, status: { phase: 'Running' } });
        assert.equal(status.metadata.generation, 1);
        const spec = await store.update(withSpec(status, { role: 'control-plane' }));
        assert.equal(spec.metadata.generation, 2);
        const again = await store.update(withSpec(spec, { version: 'v9' }));
        assert.equal(again.metadata.generation, 3);
      }),
    );

    check('every top-level field besides apiVersion, kind, metadata and status is spec', () =>
      withStore(newStore, async (store) => {
        const v1 = await store.create(secret('s1', 'team-a', { a: 'YQ==' }));
        const v2 = await store.update({ ...v1, data: { a: 'Yg==' } });
        assert.equal(v2.metadata.generation, 2);
        const v3 = await store.update({ ...v2, type: 'slipway.dev/kubeconfig' });
        assert.equal(v3.metadata.generation, 3);
      }),
    );

    check('update never changes status', () =>
      withStore(newStore, async (store) => {
        const v1 = await store.create(machine('m1'));
        const v2 = await store.updateStatus({ ...v1, status: { phase: 'Running' } });
        const v3 = await store.update({
          ...withSpec(v2, { version: 'v2' }),
          status: { phase: 'Failed' },
        });
        assert.deepEqual(v3.status, { phase: 'Running' });
        const noStatus = withSpec(v3, { version: 'v3' });
        delete noStatus.status;
        assert.deepEqual((await store.update(noStatus)).status, { phase: 'Running' });
      }),
    );

    check('updateStatus never changes spec or metadata', () =>
      withStore(newStore, async (store) => {
        const v1 = await store.create(machine('m1', 'team-a', { labels: { a: '1' } }));
        const v2 = await store.updateStatus({
          ...withSpec(v1, { version: 'v2' }),
          metadata: { ...v1.metadata, labels: { a: 'changed' }, finalizers: ['x/y'] },
          status: { phase: 'Provisioning', conditions: [] },
        });
        assert.deepEqual(v2.spec, v1.spec);
        assert.deepEqual(v2.metadata.labels, { a: '1' });
        assert.equal(v2.metadata.finalizers, undefined);
        assert.deepEqual(v2.status, { phase: 'Provisioning', conditions: [] });
        assert.ok(Number(v2.metadata.resourceVersion) > Number(v1.metadata.resourceVersion));
      }),
    );

    check('updateStatus on a kind without status is a BadRequest', () =>
      withStore(newStore, async (store) => {
        const a = await store.create(ipAddress('a1'));
        await rejectsWith(store.updateStatus({ ...a, status: { x: 1 } }), StatusReason.BadRequest);
      }),
    );

    check('a write that changes nothing keeps the resourceVersion', () =>
      withStore(newStore, async (store) => {
        const v1 = await store.create(machine('m1', 'team-a', { labels: { a: '1' } }));
        const before = await store.currentRevision();
        assert.deepEqual(await store.update(v1), v1);
        const withEmpties = {
          ...v1,
          metadata: { ...v1.metadata, annotations: {}, finalizers: [] },
        };
        assert.deepEqual(await store.update(withEmpties), v1);
        const s = await store.updateStatus({ ...v1, status: { phase: 'Running' } });
        assert.deepEqual(await store.updateStatus(s), s);
        assert.equal(await store.currentRevision(), String(Number(before) + 1));
      }),
    );
  });

  suite('finalizers', () => {
    check('delete marks, the last finalizer removal removes', () =>
      withStore(newStore, async (store) => {
        await store.create(machine('m1', 'team-a', { finalizers: ['a/one', 'b/two'] }));
        const marked = await store.delete('Machine', 'team-a', 'm1');
        assert.ok(marked.metadata.deletionTimestamp);
        const got = await store.get('Machine', 'team-a', 'm1');
        assert.deepEqual(got, marked);

        // Deleting again changes nothing: deletionTimestamp is set once.
        assert.deepEqual(await store.delete('Machine', 'team-a', 'm1'), marked);

        // Spec and status may still change while deleting.
        const edited = await store.update(withSpec(got, { version: 'v2' }));
        assert.equal(edited.metadata.deletionTimestamp, marked.metadata.deletionTimestamp);
        await store.updateStatus({ ...edited, status: { phase: 'Deleting' } });

        const one = await store.get('Machine', 'team-a', 'm1');
        const left = await store.update({
          ...one,
          metadata: { ...one.metadata, finalizers: ['b/two'] },
        });
        assert.deepEqual(left.metadata.finalizers, ['b/two']);
        const last = await store.update({
          ...left,
          metadata: { ...left.metadata, finalizers: [] },
        });
        assert.equal(last.metadata.uid, marked.metadata.uid);
        await rejectsWith(store.get('Machine', 'team-a', 'm1'), StatusReason.NotFound);
      }),
    );

    check('no new finalizers once deleting', () =>
      withStore(newStore, async (store) => {
        await store.create(machine('m1', 'team-a', { finalizers: ['a/one'] }));
        const marked = await store.delete('Machine', 'team-a', 'm1');
        const err = await rejectsWith(
          store.update({
            ...marked,
            metadata: { ...marked.metadata, finalizers: ['a/one', 'c/new'] },
          }),
          StatusReason.Invalid,
        );
        assert.match(err.message, /metadata\.finalizers/);
        assert.deepEqual(await store.get('Machine', 'team-a', 'm1'), marked);
      }),
    );

    check('deletionTimestamp cannot be set or cleared by update', () =>
      withStore(newStore, async (store) => {
        const v1 = await store.create(machine('m1', 'team-a', { finalizers: ['a/one'] }));
        const sneaky = await store.update({
          ...v1,
          metadata: { ...v1.metadata, deletionTimestamp: '2020-01-01T00:00:00Z' },
        });
        assert.equal(sneaky.metadata.deletionTimestamp, undefined);
        const marked = await store.delete('Machine', 'team-a', 'm1');
        const cleared = { ...marked, metadata: { ...marked.metadata } };
        delete cleared.metadata.deletionTimestamp;
        assert.equal(
          (await store.update(cleared)).metadata.deletionTimestamp,
          marked.metadata.deletionTimestamp,
        );
      }),
    );
  });

  suite('dry run', () => {
    check('runs every check, returns the would-be object and writes nothing', () =>
      withStore(newStore, async (store) => {
        const dry = { dryRun: true };
        const created = await store.create(machine('m0'));
        const rev = await store.currentRevision();

        const wouldCreate = await store.create(machine('m1'), dry);
        assert.ok(wouldCreate.metadata.uid);
        assert.equal(wouldCreate.metadata.generation, 1);
        await rejectsWith(store.get('Machine', 'team-a', 'm1'), StatusReason.NotFound);
        await rejectsWith(store.create(machine('m0'), dry), StatusReason.AlreadyExists);

        const wouldUpdate = await store.update(withSpec(created, { version: 'v2' }), dry);
        assert.equal(wouldUpdate.metadata.generation, 2);
        assert.deepEqual(await store.get('Machine', 'team-a', 'm0'), created);
        const stale = { ...created, metadata: { ...created.metadata, resourceVersion: '1' } };
        if (created.metadata.resourceVersion !== '1') {
          await rejectsWith(store.update(stale, dry), StatusReason.Conflict);
        }

        const wouldStatus = await store.updateStatus(
          { ...created, status: { phase: 'Running' } },
          dry,
        );
        assert.deepEqual(wouldStatus.status, { phase: 'Running' });
        const wouldDelete = await store.delete('Machine', 'team-a', 'm0', dry);
        assert.equal(wouldDelete.metadata.uid, created.metadata.uid);

        assert.deepEqual(await store.get('Machine', 'team-a', 'm0'), created);
        assert.equal(await store.currentRevision(), rev);
      }),
    );

    check('a dry-run delete of an object with finalizers shows the deletionTimestamp only', () =>
      withStore(newStore, async (store) => {
        const created = await store.create(machine('m1', 'team-a', { finalizers: ['a/one'] }));
        const would = await store.delete('Machine', 'team-a', 'm1', { dryRun: true });
        assert.ok(would.metadata.deletionTimestamp);
        assert.deepEqual(await store.get('Machine', 'team-a', 'm1'), created);
      }),
    );
  });
}
