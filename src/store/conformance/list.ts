// Conformance: list order, namespaces, label and field selectors, pagination.
import assert from 'node:assert/strict';
import { StatusReason } from '../../api/errors.ts';
import type { Store } from '../types.ts';
import {
  ipPool,
  machine,
  rejectsWith,
  withStore,
  type NewStore,
  check,
  suite,
} from './fixtures.ts';

async function names(
  store: Store,
  kind: string,
  opts: Parameters<Store['list']>[1] = {},
): Promise<string[]> {
  const { items } = await store.list(kind, opts);
  return items.map(
    (o) => (o.metadata.namespace ? `${o.metadata.namespace}/` : '') + o.metadata.name,
  );
}

/** Machines labelled for selector tests. */
async function seedLabelled(store: Store): Promise<void> {
  await store.create(machine('a', 'ns1', { labels: { env: 'prod', tier: 'web' } }));
  await store.create(machine('b', 'ns1', { labels: { env: 'dev', tier: 'web' } }));
  await store.create(machine('c', 'ns2', { labels: { env: 'prod', tier: 'db', legacy: 'yes' } }));
  await store.create(machine('d', 'ns2', { labels: { tier: 'db' } }));
  await store.create(machine('e', 'ns2'));
}

export function listSuite(newStore: NewStore, { snapshotPages }: { snapshotPages: boolean }): void {
  suite('list', () => {
    check('orders by namespace then name, across or within a namespace', () =>
      withStore(newStore, async (store) => {
        for (const [ns, name] of [
          ['b', 'y'],
          ['a', 'z'],
          ['b', 'x'],
          ['a', 'a'],
        ] as const) {
          await store.create(machine(name, ns));
        }
        await store.create(ipPool('other-kind'));
        assert.deepEqual(await names(store, 'Machine'), ['a/a', 'a/z', 'b/x', 'b/y']);
        assert.deepEqual(await names(store, 'Machine', { namespace: 'b' }), ['b/x', 'b/y']);
        assert.deepEqual(await names(store, 'Machine', { namespace: 'none' }), []);
      }),
    );

    check('cluster-scoped kinds', () =>
      withStore(newStore, async (store) => {
        await store.create(ipPool('p2'));
        await store.create(ipPool('p1'));
        assert.deepEqual(await names(store, 'IPPool'), ['p1', 'p2']);
      }),
    );

    check('reports the current revision', () =>
      withStore(newStore, async (store) => {
        await store.create(machine('a'));
        await store.create(ipPool('p'));
        const list = await store.list('Machine');
        assert.equal(list.resourceVersion, await store.currentRevision());
        assert.equal(list.continue, undefined);
      }),
    );

    check('label selectors with every operator', () =>
      withStore(newStore, async (store) => {
        await seedLabelled(store);
        const sel = (labelSelector: string) => names(store, 'Machine', { labelSelector });
        assert.deepEqual(await sel('env=prod'), ['ns1/a', 'ns2/c']);
        assert.deepEqual(await sel('env==prod'), ['ns1/a', 'ns2/c']);
        assert.deepEqual(await sel('env!=prod'), ['ns1/b', 'ns2/d', 'ns2/e']);
        assert.deepEqual(await sel('tier in (web,db)'), ['ns1/a', 'ns1/b', 'ns2/c', 'ns2/d']);
        assert.deepEqual(await sel('tier notin (web)'), ['ns2/c', 'ns2/d', 'ns2/e']);
        assert.deepEqual(await sel('legacy'), ['ns2/c']);
        assert.deepEqual(await sel('!env'), ['ns2/d', 'ns2/e']);
        assert.deepEqual(await sel('env=prod,tier=db,legacy'), ['ns2/c']);
        assert.deepEqual(await sel(''), ['ns1/a', 'ns1/b', 'ns2/c', 'ns2/d', 'ns2/e']);
        assert.deepEqual(
          await names(store, 'Machine', { labelSelector: 'tier=db', namespace: 'ns2' }),
          ['ns2/c', 'ns2/d'],
        );
      }),
    );

    check('field selectors on metadata.name and metadata.namespace', () =>
      withStore(newStore, async (store) => {
        await seedLabelled(store);
        await store.create(machine('a', 'ns2'));
        const sel = (fieldSelector: string) => names(store, 'Machine', { fieldSelector });
        assert.deepEqual(await sel('metadata.name=a'), ['ns1/a', 'ns2/a']);
        assert.deepEqual(await sel('metadata.name==a,metadata.namespace=ns2'), ['ns2/a']);
        assert.deepEqual(await sel('metadata.namespace!=ns2'), ['ns1/a', 'ns1/b']);
        assert.deepEqual(await sel('metadata.name!=a,metadata.namespace=ns1'), ['ns1/b']);
        assert.deepEqual(
          await names(store, 'Machine', {
            fieldSelector: 'metadata.name=c',
            labelSelector: 'legacy',
          }),
          ['ns2/c'],
        );
      }),
    );

    check('bad selectors are a BadRequest naming the problem', () =>
      withStore(newStore, async (store) => {
        const err = await rejectsWith(
          store.list('Machine', { labelSelector: 'a in ()' }),
          StatusReason.BadRequest,
        );
        assert.match(err.message, /a in \(\)/);
        const ferr = await rejectsWith(
          store.list('Machine', { fieldSelector: 'spec.role=worker' }),
          StatusReason.BadRequest,
        );
        assert.match(ferr.message, /spec\.role/);
        await rejectsWith(
          store.watch({ kind: 'Machine', labelSelector: '!' }),
          StatusReason.BadRequest,
        );
        await rejectsWith(
          store.watch({ kind: 'Machine', fieldSelector: 'status.phase=x' }),
          StatusReason.BadRequest,
        );
      }),
    );
  });

  suite('pagination', () => {
    check('limit and continue walk every object exactly once', () =>
      withStore(newStore, async (store) => {
        for (const name of ['e', 'a', 'd', 'b', 'c']) await store.create(machine(name));
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await store.list('Machine', {
            limit: 2,
            ...(token ? { continue: token } : {}),
          });
          assert.ok(page.items.length > 0 && page.items.length <= 2);
          seen.push(...page.items.map((o) => o.metadata.name));
          token = page.continue;
          pages++;
        } while (token);
        assert.deepEqual(seen, ['a', 'b', 'c', 'd', 'e']);
        assert.equal(pages, 3);
      }),
    );

    check('an exact multiple of the page size ends without an empty page', () =>
      withStore(newStore, async (store) => {
        for (const name of ['a', 'b', 'c', 'd']) await store.create(machine(name));
        const first = await store.list('Machine', { limit: 2 });
        assert.ok(first.continue);
        const second = await store.list('Machine', { limit: 2, continue: first.continue });
        assert.deepEqual(
          second.items.map((o) => o.metadata.name),
          ['c', 'd'],
        );
        assert.equal(second.continue, undefined);
        assert.equal((await store.list('Machine', { limit: 0 })).items.length, 4);
      }),
    );

    check('pages respect selectors and namespaces', () =>
      withStore(newStore, async (store) => {
        for (let i = 0; i < 6; i++) {
          await store.create(
            machine(`m${i}`, i < 3 ? 'ns1' : 'ns2', { labels: { even: String(i % 2 === 0) } }),
          );
        }
        const first = await store.list('Machine', { limit: 2, labelSelector: 'even=true' });
        assert.deepEqual(
          first.items.map((o) => o.metadata.name),
          ['m0', 'm2'],
        );
        const second = await store.list('Machine', {
          limit: 2,
          labelSelector: 'even=true',
          continue: first.continue ?? '',
        });
        assert.deepEqual(
          second.items.map((o) => o.metadata.name),
          ['m4'],
        );
        assert.equal(second.continue, undefined);
        const ns2 = await store.list('Machine', { namespace: 'ns2', limit: 1 });
        assert.deepEqual(
          ns2.items.map((o) => o.metadata.name),
          ['m3'],
        );
      }),
    );

    if (snapshotPages) {
      check("later pages read the first page's snapshot: nothing twice, nothing lost", () =>
        withStore(newStore, async (store) => {
          for (const name of ['a', 'b', 'c', 'd']) await store.create(machine(name));
          const first = await store.list('Machine', { limit: 2 });
          await store.create(machine('aa'));
          await store.create(machine('e'));
          const d = await store.get('Machine', 'team-a', 'd');
          await store.update({ ...d, metadata: { ...d.metadata, labels: { changed: 'yes' } } });
          const second = await store.list('Machine', { limit: 2, continue: first.continue ?? '' });
          assert.deepEqual(
            second.items.map((o) => o.metadata.name),
            ['c', 'd'],
          );
          assert.equal(second.items[1]?.metadata.labels, undefined, 'd as it was');
          assert.equal(second.resourceVersion, first.resourceVersion);
          assert.equal(second.continue, undefined);
        }),
      );
    } else {
      check('later pages read current data: nothing is returned twice', () =>
        withStore(newStore, async (store) => {
          for (const name of ['a', 'b', 'c', 'd']) await store.create(machine(name));
          const first = await store.list('Machine', { limit: 2 });
          await store.create(machine('aa'));
          await store.delete('Machine', 'team-a', 'd');
          const second = await store.list('Machine', { limit: 2, continue: first.continue ?? '' });
          assert.deepEqual(
            second.items.map((o) => o.metadata.name),
            ['c'],
          );
        }),
      );
    }

    check('a malformed continue token or limit is a BadRequest', () =>
      withStore(newStore, async (store) => {
        await rejectsWith(
          store.list('Machine', { continue: 'not-a-token' }),
          StatusReason.BadRequest,
        );
        await rejectsWith(store.list('Machine', { limit: -1 }), StatusReason.BadRequest);
      }),
    );
  });
}
