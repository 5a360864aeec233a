// The TLS connector of the child-cluster client's dispatcher: undici's own, less what a
// child cluster's API does not need. No ALPN (the client speaks HTTP/1.1): Node copies
// an ALPN protocol list into a small Buffer for every connection, and that Buffer pins
// a whole 64 KiB allocation-pool slab (Buffer.poolSize in Node 24) for as long as the
// connection lives: 26 MiB for 420 connections in the fleet benchmark. The last TLS
// session is kept (in a buffer of its own, for the same reason) and resumed: a settled
// cluster is asked again only every few minutes, over a new connection, and a resumed
// handshake costs about half the CPU of a full one.
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

/** What undici passes to a custom connector (the part used here). */
export interface ConnectTarget {
  hostname: string;
  port: string;
  servername?: string | null;
}

export type Connector = (
  target: ConnectTarget,
  callback: (err: Error | null, socket: TLSSocket | null) => void,
) => void;

export interface ConnectorOptions {
  /** The kubeconfig's CA and client certificate, parsed once for every connection. */
  secureContext: ConnectionOptions['secureContext'];
  servername?: string | undefined;
  rejectUnauthorized?: boolean | undefined;
  keepAliveInitialDelay?: number | undefined;
  /** Give up on a connection not established in this long (default 10 s, as undici). */
  timeoutMs?: number;
}

/** A connector for undici's `connect` option, e.g. `new Client(origin, { connect: tlsConnector(o) })`. */
export function tlsConnector(options: ConnectorOptions): Connector {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let session: Buffer | undefined;
  return ({ hostname, port, servername }, callback) => {
    let settled = false;
    const socket = connect({
      ...(session ? { session } : {}),
      // An IPv6 literal comes in brackets, as in a URL.
      host: hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(port) || 443,
      secureContext: options.secureContext,
      ...((options.servername ?? servername)
        ? { servername: options.servername ?? servername ?? '' }
        : {}),
      ...(options.rejectUnauthorized !== undefined
        ? { rejectUnauthorized: options.rejectUnauthorized }
        : {}),
    });
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      callback(err, err ? null : socket);
    };
    const timer = setTimeout(() => {
      const err = Object.assign(new Error(`connecting took longer than ${timeoutMs} ms`), {
        code: 'ETIMEDOUT',
      });
      socket.destroy(err);
      settle(err);
    }, timeoutMs);
    socket.on('session', (ticket: Buffer) => {
      // A copy with an ArrayBuffer of its own, not a slice of a pooled slab.
      const own = new Uint8Array(ticket);
      session = Buffer.from(own.buffer, own.byteOffset, own.byteLength);
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, options.keepAliveInitialDelay ?? 30_000);
    socket.once('secureConnect', () => settle(null));
    socket.once('error', settle);
  };
}
