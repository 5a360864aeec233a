// Which store the server runs on, and the leader election that goes with it: the
// embedded SQLite store with a data-directory lock (one process), or etcd with a lease
// (several replicas; ADR 0008, ADR 0009). Part of the composition root: only
// src/server.ts uses it.
import { readFile } from 'node:fs/promises';
import { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import { DataDirLock } from './controllers/runtime/data-dir-lock.ts';
import { EtcdLeaderElector } from './controllers/runtime/etcd-leader.ts';
import type { LeaderElector } from './controllers/runtime/leader.ts';
import { clientOptions, type EtcdConnection } from './store/etcd/client.ts';
import { openEtcdStore } from './store/etcd/etcd-store.ts';
import { openSqliteStore } from './store/sqlite/sqlite-store.ts';
import type { Store } from './store/types.ts';

export type StoreBackendOptions =
  | { kind: 'sqlite' }
  | {
      kind: 'etcd';
      /** Client URLs of the etcd members. */
      endpoints: readonly string[];
      /** PEM files for TLS to etcd: CA bundle, client certificate and key. */
      caFile?: string;
      certFile?: string;
      keyFile?: string;
    };

export interface StoreBackend {
  store: Store;
  leaderElector: LeaderElector;
  /** Closes what the store does not own (the election's etcd client); after the store. */
  close(): Promise<void>;
}

/** Open the store and its leader election; the data directory holds the encryption keys either way. */
export async function openStoreBackend(
  opts: StoreBackendOptions,
  dataDir: string,
  logger: Logger,
): Promise<StoreBackend> {
  const leaderLogger = logger.child({ component: 'leader' });
  if (opts.kind === 'sqlite') {
    return {
      store: await openSqliteStore({ dataDir }),
      leaderElector: new DataDirLock({ dataDir, logger: leaderLogger }),
      close: () => Promise.resolve(),
    };
  }
  const connection = await etcdConnection(opts);
  const store = await openEtcdStore({ ...connection, dataDir });
  const client = new Etcd3(clientOptions(connection));
  return {
    store,
    leaderElector: new EtcdLeaderElector({ client, logger: leaderLogger }),
    close() {
      client.close();
      return Promise.resolve();
    },
  };
}

async function etcdConnection(
  opts: Extract<StoreBackendOptions, { kind: 'etcd' }>,
): Promise<EtcdConnection> {
  if (opts.endpoints.length === 0) throw new Error('--etcd-endpoints: at least one URL is needed');
  for (const endpoint of opts.endpoints) {
    if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
      throw new Error(`--etcd-endpoints: "${endpoint}" is not an http(s) URL`);
    }
  }
  if (Boolean(opts.certFile) !== Boolean(opts.keyFile)) {
    throw new Error('--etcd-cert and --etcd-key must be given together');
  }
  if (!opts.caFile) {
    if (opts.certFile) throw new Error('--etcd-cert needs --etcd-ca');
    return { endpoints: opts.endpoints };
  }
  return {
    endpoints: opts.endpoints,
    tls: {
      ca: await readFile(opts.caFile),
      ...(opts.certFile ? { cert: await readFile(opts.certFile) } : {}),
      ...(opts.keyFile ? { key: await readFile(opts.keyFile) } : {}),
    },
  };
}
