// The etcd3 client as the store uses it: every member as an endpoint (the client fails
// over between them), TLS when given, and a deadline on every request but watches.
import type { Etcd3, IOptions } from 'etcd3';
import type { KindDefinition } from '../../api/kind.ts';
import { envelopeKeyId } from '../encryption.ts';
import type { KeyLayout } from './keys.ts';

export interface EtcdConnection {
  /** Client URLs of the etcd members, e.g. `['https://10.0.0.1:2379', …]`. */
  endpoints: readonly string[];
  /** TLS to etcd: CA bundle, and a client certificate and key (PEM) when etcd asks. */
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  /** Deadline of one etcd request (ms); watches have none. 15 s unless told. */
  requestTimeoutMs?: number;
}

type WatchBackoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

/**
 * Delays before reconnecting a broken watch stream: 100 ms, doubling up to `maxMs`, with
 * ±20 % jitter so replicas do not reconnect in step (etcd3 starts from `next()`, hence
 * the 50). etcd3's default grows to 30 s, which would leave a replica's watches (and so
 * its controllers) that long behind after an etcd member fails.
 */
export function watchBackoff(delayMs = 50, maxMs = 2000): WatchBackoff {
  const jittered = delayMs * (0.8 + Math.random() * 0.4);
  return { duration: jittered, next: () => watchBackoff(Math.min(delayMs * 2, maxMs), maxMs) };
}

/** etcd3 client options for `conn`. */
export function clientOptions(conn: EtcdConnection): IOptions {
  if (conn.endpoints.length === 0) throw new Error('the etcd store needs at least one endpoint');
  const timeout = conn.requestTimeoutMs ?? 15_000;
  const options: IOptions = {
    hosts: [...conn.endpoints],
    dialTimeout: timeout,
    faultHandling: { watchBackoff: watchBackoff() },
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: new Date(Date.now() + timeout) },
  };
  if (conn.tls) {
    options.credentials = {
      rootCertificate: conn.tls.ca,
      ...(conn.tls.key ? { privateKey: conn.tls.key } : {}),
      ...(conn.tls.cert ? { certChain: conn.tls.cert } : {}),
    };
  }
  return options;
}

/** Whether etcd already holds encrypted objects under this layout. */
export async function holdsEnvelopes(
  client: Etcd3,
  keys: KeyLayout,
  kinds: readonly KindDefinition[],
): Promise<boolean> {
  for (const def of kinds.filter((k) => k.encryptedAtRest)) {
    const { kvs } = await client.getAll().prefix(keys.scanPrefix(def.kind)).limit(1).exec();
    const first = kvs[0];
    if (first && envelopeKeyId(first.value) !== undefined) return true;
  }
  return false;
}
