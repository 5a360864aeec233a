// Test helpers for the client's tests (nothing in the product imports this file): a
// small HTTPS server on 127.0.0.1 that answers like Proxmox for whatever behaviour a test
// sets up, certificates for it, and decoders that read request bodies the way
// pve-http-server does (its decode_urlencoded, URI::Escape's uri_unescape and its
// multipart upload reader), so tests check our encoding against Proxmox's reading
// rather than against our own encoder.
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  createSelfSignedCA,
  issueCertificate,
  type CertificateAndKey,
} from '../../../bootstrap/certificates.ts';

export interface RecordedRequest {
  method: string;
  /** Path after /api2/json, without the query, still percent-encoded. */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface FakeReply {
  status?: number;
  /** The status line's reason phrase, where Proxmox puts its error sentence. */
  reason?: string;
  /** Sent as JSON unless a string. */
  body?: unknown;
  /** Wait this long before answering (for timeouts). */
  delayMs?: number;
  /** Drop the connection instead of answering. */
  destroy?: boolean;
}

export type FakeHandler = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeProxmox {
  /** https://127.0.0.1:port */
  url: string;
  port: number;
  requests: RecordedRequest[];
  handler: FakeHandler;
  close(): Promise<void>;
}

export interface TestPki {
  ca: CertificateAndKey;
  /** Serving certificate for 127.0.0.1 and localhost, signed by `ca`. */
  server: CertificateAndKey;
  /** SHA-256 fingerprint of `server`, Node's form. */
  fingerprint: string;
  /** A CA that signed nothing here. */
  otherCa: CertificateAndKey;
  /** Signed by `ca` for pve2.test only: wrong for a client that dials 127.0.0.1. */
  wrongName: CertificateAndKey;
}

/** Certificates for the fake server; made once per test file. */
export async function createTestPki(): Promise<TestPki> {
  const now = new Date();
  const ca = await createSelfSignedCA({
    commonName: 'Proxmox Virtual Environment',
    now,
    validityDays: 30,
  });
  const server = await issueCertificate({
    ca,
    commonName: 'pve1.test',
    usages: ['serverAuth'],
    hosts: ['127.0.0.1', 'localhost'],
    now,
    validityDays: 30,
  });
  const otherCa = await createSelfSignedCA({ commonName: 'other CA', now, validityDays: 30 });
  const wrongName = await issueCertificate({
    ca,
    commonName: 'pve2.test',
    usages: ['serverAuth'],
    hosts: ['pve2.test'],
    now,
    validityDays: 30,
  });
  const fingerprint = new X509Certificate(server.cert).fingerprint256;
  return { ca, server, fingerprint, otherCa, wrongName };
}

/** Starts a fake Proxmox API on 127.0.0.1; every request goes to `fake.handler`. */
export async function startFakeProxmox(
  certificate: CertificateAndKey,
  handler: FakeHandler = () => ({ body: { data: null } }),
): Promise<FakeProxmox> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const fake: FakeProxmox = {
    url: '',
    port: 0,
    requests: [],
    handler,
    close: () => Promise.resolve(),
  };
  const server: Server = createServer(
    { cert: certificate.cert, key: certificate.key },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const [rawPath = '', query = ''] = (req.url ?? '').split('?', 2);
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: rawPath.replace(/^\/api2\/json/, ''),
          query,
          headers: req.headers,
          body: Buffer.concat(chunks),
        };
        fake.requests.push(recorded);
        void Promise.resolve(fake.handler(recorded)).then(async (reply) => {
          if (reply.delayMs) {
            // Cleared by close(), so a test that gave up waiting does not keep the process.
            await new Promise((resolve) => timers.add(setTimeout(resolve, reply.delayMs)));
          }
          if (reply.destroy) {
            req.socket.destroy();
            return;
          }
          const body =
            typeof reply.body === 'string'
              ? reply.body
              : JSON.stringify(reply.body ?? { data: null });
          res.writeHead(reply.status ?? 200, reply.reason ?? 'OK', {
            'content-type': 'application/json;charset=UTF-8',
            'content-length': Buffer.byteLength(body),
          });
          res.end(body);
        });
      });
    },
  );
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Handshakes the client rejects end in errors here; they are the point of some tests.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `https://127.0.0.1:${fake.port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return fake;
}

/** %XX → bytes, read as UTF-8 (Perl's s/%(..)/chr(hex($1))/eg then Encode::decode). */
function percentDecode(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * pve-http-server's decode_urlencoded: pairs split on '&' or ';', each pair split on
 * '=' keeping the first two pieces, '+' → space, then %XX.
 */
export function decodeLikePve(data: string): Record<string, string> {
  const result: Record<string, string> = {};
  if (!data) return result;
  for (const pair of data.split(/[&;]/)) {
    const [key = '', value] = pair.split('=');
    const name = percentDecode(key.replace(/\+/g, ' '));
    if (value !== undefined) result[name] = percentDecode(value.replace(/\+/g, ' '));
  }
  return result;
}

/** URI::Escape's uri_unescape: %XX only ('+' stays '+'). */
export function uriUnescape(text: string): string {
  return percentDecode(text);
}

/**
 * pve-http-server's file_upload_multipart, reduced to its regexes: the plain fields
 * (`content`, `checksum-algorithm`, `checksum`) in that order, then the file part whose
 * Content-Disposition must follow the delimiter directly, then data up to the close
 * delimiter. Returns undefined where Proxmox would fail the upload.
 */
export function parseUploadLikePve(
  contentType: string,
  body: Buffer,
): { params: Record<string, string>; data: Buffer } | undefined {
  const boundary = /;\s*boundary\s*=\s*(\S+?)\s*$/.exec(contentType)?.[1];
  if (!boundary || !contentType.startsWith('multipart/form-data')) return undefined;
  const quoted = boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const delim = `--${quoted}\\r?\\n`;
  let rbuf = body.toString('latin1');
  const params: Record<string, string> = {};
  const start = new RegExp(`^[\\s\\S]*?(${delim})`).exec(rbuf);
  if (!start) return undefined;
  rbuf = rbuf.slice((start.index ?? 0) + start[0].length - (start[1] ?? '').length);
  const removeUntilData = () => {
    rbuf = rbuf.replace(/^[\s\S]*?(?:\r?\n){2}/, '');
  };
  for (const name of ['content', 'checksum-algorithm', 'checksum']) {
    const field = new RegExp(
      `^${delim}[\\s\\S]*?Content-Disposition: (.*?); name="${name}"([\\s\\S]*?${delim})`,
    );
    const match = field.exec(rbuf);
    if (!match) continue;
    if (match[1] !== 'form-data') return undefined;
    rbuf = (match[2] ?? '') + rbuf.slice(match[0].length);
    removeUntilData();
    const value = new RegExp(`^([\\s\\S]*?)(${delim})`).exec(rbuf);
    if (!value) return undefined;
    params[name] = (value[1] ?? '').trim();
    rbuf = rbuf.slice((value[1] ?? '').length);
  }
  const file = new RegExp(
    `^${delim}Content-Disposition: (.*?); name="(.*?)"; filename="([^"]+)"\\r?\\n`,
  ).exec(rbuf);
  if (!file || file[1] !== 'form-data' || file[2] !== 'filename') return undefined;
  params.filename = (file[3] ?? '').trim();
  rbuf = rbuf.slice(file[0].length);
  removeUntilData();
  const end = new RegExp(`^([\\s\\S]*?)(?:\\r?\\n)?--${quoted}--[\\s\\S]*$`).exec(rbuf);
  if (!end) return undefined;
  return { params, data: Buffer.from(end[1] ?? '', 'latin1') };
}
