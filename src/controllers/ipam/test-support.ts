// Shared by the IPAM tests: a real SQLite store in a temporary directory, pools and
// claimants (Machines) stored in it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IPAddress } from '../../api/kinds/ip-address.ts';
import type { IPPool, IPPoolSpec } from '../../api/kinds/ip-pool.ts';
import type { Machine } from '../../api/kinds/machine.ts';
import { ApiVersion } from '../../api/meta.ts';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/sqlite-store.ts';

export interface IPAMTestStore {
  store: SqliteStore;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<IPAMTestStore> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-ipam-'));
  const store = await openSqliteStore({ dataDir: dir });
  return {
    store,
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function pool(name: string, spec: IPPoolSpec): IPPool {
  return { apiVersion: ApiVersion, kind: 'IPPool', metadata: { name }, spec };
}

export function machine(namespace: string, name: string, cluster = 'c1'): Machine {
  return {
    apiVersion: ApiVersion,
    kind: 'Machine',
    metadata: { name, namespace },
    spec: { clusterName: cluster, role: 'worker', version: 'v1.31.4+k3s1' },
  };
}

/** Every IPAddress in the store, all namespaces. */
export async function allIPAddresses(store: SqliteStore): Promise<IPAddress[]> {
  return (await store.list<IPAddress>('IPAddress')).items;
}
