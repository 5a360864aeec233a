// The TLS connector of the Proxmox client's undici Agent.
//
// Every mode connects with Node's own verification switched to "report, don't reject"
// and decides after the handshake, with the peer certificate in hand. That way a
// failure can always name the fingerprint the server presented (so an operator can
// compare it with the node's Certificates page), and fingerprint pinning, which must
// skip chain verification for Proxmox's self-signed default, is one comparison of the
// leaf certificate's SHA-256 instead of a checkServerIdentity trick that Node skips
// whenever the chain is untrusted. No TLS sessions are cached or resumed, so every
// connection is checked against a certificate it actually received.
import { isIP } from 'node:net';
import { checkServerIdentity, connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';
import type { ResolvedConnection } from './connection.ts';

/** undici's custom connector: `new Agent({ connect })`. */
export type Connector = buildConnector.connector;

/** A certificate the settings do not accept; the client turns it into a `tls` error. */
export class ProxmoxTlsRejection extends Error {
  readonly code = 'SLIPWAY_PROXMOX_TLS';
  /** SHA-256 of the certificate the server presented. */
  readonly seenFingerprint: string;

  constructor(message: string, seenFingerprint: string) {
    super(message);
    this.name = 'ProxmoxTlsRejection';
    this.seenFingerprint = seenFingerprint;
  }
}

/** Marks errors raised before a request could be written: safe to retry any method. */
export const beforeRequestSent = Symbol('proxmox.beforeRequestSent');

/** Whether an error came from connecting (no byte of any request was sent). */
export function failedBeforeSending(err: unknown): boolean {
  return typeof err === 'object' && err !== null && beforeRequestSent in err;
}

function markBeforeSending<T extends Error>(err: T): T {
  return Object.assign(err, { [beforeRequestSent]: true });
}

/**
 * A connector for `new Agent({ connect })` that applies the connection's TLS settings.
 *
 * @example
 * const agent = new Agent({ connect: proxmoxTlsConnector(resolved, 10_000) });
 */
export function proxmoxTlsConnector(
  connection: Pick<ResolvedConnection, 'tls' | 'hostname'>,
  connectTimeoutMs: number,
): Connector {
  const { tls } = connection;
  return ({ hostname, port }, callback) => {
    const host = hostname.replace(/^\[(.*)\]$/, '$1');
    let settled = false;
    const socket = connect({
      host,
      port: Number(port) || 443,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...(tls.caPem !== undefined ? { ca: tls.caPem } : {}),
      rejectUnauthorized: false,
    });
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        socket.destroy();
        callback(err, null);
      } else {
        callback(null, socket);
      }
    };
    const timer = setTimeout(() => {
      const err = Object.assign(new Error(`connecting took longer than ${connectTimeoutMs} ms`), {
        code: 'UND_ERR_CONNECT_TIMEOUT',
      });
      settle(markBeforeSending(err));
    }, connectTimeoutMs);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.once('secureConnect', () => {
      const rejection = checkPeer(socket, host, tls);
      settle(rejection ? markBeforeSending(rejection) : null);
    });
    socket.once('error', (err: Error) => {
      // A refused or reset connection, or a handshake that failed: nothing was sent.
      // Later errors belong to undici's own listener and to the request under way.
      if (!settled) settle(markBeforeSending(err));
    });
  };
}

function checkPeer(
  socket: TLSSocket,
  host: string,
  tls: ResolvedConnection['tls'],
): ProxmoxTlsRejection | null {
  if (tls.insecureSkipVerify) return null;
  const cert = socket.getPeerCertificate();
  const seen = cert.fingerprint256 ?? '';
  if (tls.fingerprint !== undefined && seen !== tls.fingerprint) {
    return new ProxmoxTlsRejection(
      `certificate fingerprint mismatch: expected SHA-256 ${tls.fingerprint}, ` +
        `the server presented ${seen || 'no certificate'}${describe(cert)}`,
      seen,
    );
  }
  if (tls.fingerprint !== undefined && tls.caPem === undefined) return null;
  // Node reports a name mismatch as an authorization error too, but only once the chain
  // is trusted; an untrusted chain is the first thing to fix, so it is reported first.
  const reason = String(socket.authorizationError ?? '');
  if (!socket.authorized && reason !== 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const hint =
      tls.caPem !== undefined
        ? 'tls.caPem does not trust it'
        : 'set tls.caPem to the CA that signed it, or pin its fingerprint in tls.fingerprint';
    return new ProxmoxTlsRejection(
      `certificate not trusted (${reason || 'unknown reason'}): the server presented SHA-256 ` +
        `${seen}${describe(cert)}; ${hint}`,
      seen,
    );
  }
  const nameError = checkServerIdentity(host, cert);
  if (nameError || !socket.authorized) {
    return new ProxmoxTlsRejection(
      `certificate is not valid for ${host} (${nameError?.message ?? reason}); ` +
        `the server presented SHA-256 ${seen}${describe(cert)}`,
      seen,
    );
  }
  return null;
}

function describe(cert: PeerCertificate): string {
  const subject = commonName(cert.subject);
  const issuer = commonName(cert.issuer);
  if (!subject) return '';
  return ` (subject CN=${subject}${issuer ? `, issuer CN=${issuer}` : ''})`;
}

function commonName(name: PeerCertificate['subject'] | undefined): string | undefined {
  const cn: unknown = name?.CN;
  if (Array.isArray(cn)) return cn.join(', ');
  return typeof cn === 'string' ? cn : undefined;
}
