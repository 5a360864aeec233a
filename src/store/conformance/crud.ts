// Conformance: create, get, update and delete for namespaced and cluster-scoped kinds.
import assert from 'node:assert/strict';
import { StatusReason } from '../../api/errors.ts';
import {
  ipPool,
  machine,
  rejectsWith,
  secret,
  withStore,
  type NewStore,
  check,
  suite,
} from './fixtures.ts';

export function crudSuite(newStore: NewStore): void {
  suite('create, get, update, delete', () => {
    check(
      'create sets uid, creationTimestamp, resourceVersion and generation 1, and drops status',
      () =>
        withStore(newStore, async (store) => {
          const input = {
            ...machine('m1', 'team-a', { labels: { role: 'worker' } }),
            status: { phase: 'Running' },
          };
          const created = await store.create(input);
          assert.match(created.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
          assert.ok(!Number.isNaN(Date.parse(created.metadata.creationTimestamp ?? '')));
          assert.match(created.metadata.resourceVersion ?? '', /^[1-9]\d*$/);
          assert.equal(created.metadata.generation, 1);
          assert.equal(created.metadata.namespace, 'team-a');
          assert.deepEqual(created.metadata.labels, { role: 'worker' });
          assert.equal(created.status, undefined);
          assert.deepEqual(created.spec, input.spec);
          assert.deepEqual(await store.get('Machine', 'team-a', 'm1'), created);
        }),
    );

    check('server-set fields in the input are replaced', () =>
      withStore(newStore, async (store) => {
        const input = machine('m1');
        input.metadata = {
          ...input.metadata,
          uid: 'mine',
          generation: 7,
          deletionTimestamp: '2020-01-01T00:00:00Z',
        };
        const created = await store.create(input);
        assert.notEqual(created.metadata.uid, 'mine');
        assert.equal(created.metadata.generation, 1);
        assert.equal(created.metadata.deletionTimestamp, undefined);
      }),
    );

    check('cluster-scoped objects have no namespace', () =>
      withStore(newStore, async (store) => {
        const pool = ipPool('lab');
        pool.metadata.namespace = 'ignored';
        const created = await store.create(pool);
        assert.equal(created.metadata.namespace, undefined);
        assert.deepEqual(await store.get('IPPool', undefined, 'lab'), created);
        // A namespace means nothing to a cluster-scoped kind.
        assert.deepEqual(await store.get('IPPool', 'team-a', 'lab'), created);
        assert.deepEqual((await store.list('IPPool', { namespace: 'team-a' })).items, [created]);
        const updated = await store.update({
          ...created,
          spec: { addresses: ['10.0.1.0/28'], prefix: 28 },
        });
        assert.equal(updated.metadata.generation, 2);
        await store.delete('IPPool', undefined, 'lab');
        await rejectsWith(store.get('IPPool', undefined, 'lab'), StatusReason.NotFound);
      }),
    );

    check('namespaced objects require a namespace', () =>
      withStore(newStore, async (store) => {
        const m = machine('m1');
        delete m.metadata.namespace;
        await rejectsWith(store.create(m), StatusReason.Invalid);
        await rejectsWith(store.get('Machine', undefined, 'm1'), StatusReason.BadRequest);
      }),
    );

    check('a name is required; generateName makes one', () =>
      withStore(newStore, async (store) => {
        await rejectsWith(store.create(machine('')), StatusReason.Invalid);
        const m = machine('');
        m.metadata.generateName = 'worker-';
        const created = await store.create(m);
        assert.match(created.metadata.name, /^worker-[a-z0-9]{5}$/);
      }),
    );

    check('unknown kinds are a BadRequest', () =>
      withStore(newStore, async (store) => {
        await rejectsWith(store.create({ ...machine('x'), kind: 'Nope' }), StatusReason.BadRequest);
        await rejectsWith(store.get('Nope', 'team-a', 'x'), StatusReason.BadRequest);
        await rejectsWith(store.list('Nope'), StatusReason.BadRequest);
        await rejectsWith(store.watch({ kind: 'Nope' }), StatusReason.BadRequest);
      }),
    );

    check('AlreadyExists for the same kind, namespace and name only', () =>
      withStore(newStore, async (store) => {
        await store.create(machine('m1', 'team-a'));
        const err = await rejectsWith(
          store.create(machine('m1', 'team-a')),
          StatusReason.AlreadyExists,
        );
        assert.match(err.message, /m1/);
        await store.create(machine('m1', 'team-b'));
        await store.create({ ...machine('m1', 'team-a'), kind: 'ClusterDeployment' });
        await store.create(ipPool('m1'));
        await rejectsWith(store.create(ipPool('m1')), StatusReason.AlreadyExists);
      }),
    );

    check('NotFound from get, update, updateStatus and delete', () =>
      withStore(newStore, async (store) => {
        await store.create(machine('m1', 'team-a'));
        await rejectsWith(store.get('Machine', 'team-b', 'm1'), StatusReason.NotFound);
        await rejectsWith(store.get('Machine', 'team-a', 'm2'), StatusReason.NotFound);
        await rejectsWith(store.update(machine('m2')), StatusReason.NotFound);
        await rejectsWith(store.updateStatus(machine('m2')), StatusReason.NotFound);
        await rejectsWith(store.delete('Machine', 'team-a', 'm2'), StatusReason.NotFound);
      }),
    );

    check('resourceVersion is one revision across kinds, rising with every write', () =>
      withStore(newStore, async (store) => {
        const start = Number(await store.currentRevision());
        const a = await store.create(machine('m1'));
        const b = await store.create(ipPool('lab'));
        const c = await store.update({ ...a, metadata: { ...a.metadata, labels: { x: 'y' } } });
        const d = await store.delete('IPPool', undefined, 'lab');
        const revs = [a, b, c, d].map((o) => Number(o.metadata.resourceVersion));
        assert.deepEqual(revs, [start + 1, start + 2, start + 3, start + 4]);
        assert.equal(await store.currentRevision(), String(start + 4));
      }),
    );

    check('update replaces labels, annotations and spec; omitted fields go', () =>
      withStore(newStore, async (store) => {
        const created = await store.create(machine('m1', 'team-a', { labels: { a: '1', b: '2' } }));
        const updated = await store.update({
          ...created,
          metadata: { ...created.metadata, labels: { a: '1' }, annotations: { note: 'hi' } },
          spec: { clusterName: 'c1', role: 'control-plane', version: 'v1.31.0+k3s1' },
        });
        assert.deepEqual(updated.metadata.labels, { a: '1' });
        assert.deepEqual(updated.metadata.annotations, { note: 'hi' });
        assert.deepEqual(updated.spec, {
          clusterName: 'c1',
          role: 'control-plane',
          version: 'v1.31.0+k3s1',
        });
        assert.equal(updated.metadata.uid, created.metadata.uid);
        assert.equal(updated.metadata.creationTimestamp, created.metadata.creationTimestamp);
        assert.deepEqual(await store.get('Machine', 'team-a', 'm1'), updated);
      }),
    );

    check('uid and creationTimestamp are immutable', () =>
      withStore(newStore, async (store) => {
        const created = await store.create(machine('m1'));
        const withUid = { ...created, metadata: { ...created.metadata, uid: 'other' } };
        const err = await rejectsWith(store.update(withUid), StatusReason.Invalid);
        assert.match(err.message, /metadata\.uid/);
        const withTs = {
          ...created,
          metadata: { ...created.metadata, creationTimestamp: '2001-01-01T00:00:00Z' },
        };
        await rejectsWith(store.update(withTs), StatusReason.Invalid);
      }),
    );

    check('delete without finalizers removes the object and returns its last state', () =>
      withStore(newStore, async (store) => {
        const created = await store.create(machine('m1'));
        const deleted = await store.delete('Machine', 'team-a', 'm1');
        assert.equal(deleted.metadata.uid, created.metadata.uid);
        assert.deepEqual(deleted.spec, created.spec);
        assert.ok(
          Number(deleted.metadata.resourceVersion) > Number(created.metadata.resourceVersion),
        );
        await rejectsWith(store.get('Machine', 'team-a', 'm1'), StatusReason.NotFound);
        await store.create(machine('m1'));
      }),
    );

    check('the store keeps its own copies of objects', () =>
      withStore(newStore, async (store) => {
        const input = machine('m1', 'team-a', { labels: { a: '1' } });
        const created = await store.create(input);
        (input.metadata.labels ?? {})['a'] = 'changed';
        (created.metadata.labels ?? {})['a'] = 'changed';
        const fetched = await store.get('Machine', 'team-a', 'm1');
        assert.deepEqual(fetched.metadata.labels, { a: '1' });
        (fetched.metadata.labels ?? {})['a'] = 'changed';
        assert.deepEqual((await store.get('Machine', 'team-a', 'm1')).metadata.labels, { a: '1' });
      }),
    );

    check('encrypted kinds read back exactly as written', () =>
      withStore(newStore, async (store) => {
        const data = { token: Buffer.from('s3cr3t').toString('base64') };
        const created = await store.create(secret('s1', 'team-a', data));
        assert.deepEqual(created['data'], data);
        assert.deepEqual((await store.get('Secret', 'team-a', 's1'))['data'], data);
        assert.deepEqual(
          (await store.list('Secret')).items.map((s) => s['data']),
          [data],
        );
      }),
    );
  });
}
