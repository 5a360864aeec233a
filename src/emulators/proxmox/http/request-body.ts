// Request parameters as pve-http-server extracts them: POST/PUT bodies as form data or
// JSON (64 KiB at most), the query string on top (it wins), repeated keys joined by NUL
// as Perl's decode_urlencoded does; uploads as multipart/form-data whose file part must
// be named `filename`.
import type { IncomingMessage } from 'node:http';
import { PveError } from '../errors.ts';
import type { Upload } from '../core.ts';
import { decodeUrlencoded as decodePerlUrlencoded } from '../schema/request.ts';

/** pve-http-server's $limit_max_post. */
const maxPostBytes = 64 * 1024;
/** Uploads are streamed to disk by PVE; the emulator keeps them in memory. */
const maxUploadBytes = 512 * 1024 * 1024;

/**
 * Perl's decode_urlencoded as pve-http-server applies it (schema/request.ts): `&` or `;`
 * separated, a pair split at every `=` (an unencoded `net0=virtio=…` arrives as
 * `virtio`), repeated keys joined by "\0"; a key without a value counts as not sent.
 */
export function decodeUrlencoded(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(decodePerlUrlencoded(text))) {
    if (value !== null)
      Object.defineProperty(out, key, { value, enumerable: true, writable: true });
  }
  return out;
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new PveError(501, 'for data too large'));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function contentTypeOf(req: IncomingMessage): { type: string; header: string } {
  const header = req.headers['content-type'] ?? '';
  return { type: header.split(/\s*[;,]\s*/)[0]?.toLowerCase() ?? '', header };
}

export interface ParsedRequest {
  params: Record<string, unknown>;
  upload?: Upload;
}

async function parseMultipart(req: IncomingMessage, header: string): Promise<ParsedRequest> {
  if (!/boundary=/i.test(header)) {
    throw new PveError(501, `upload 'Content-Type '${header}' not implemented`);
  }
  const body = await readBody(req, maxUploadBytes);
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': header } }).formData();
  } catch {
    throw new PveError(501, 'upload failed');
  }
  const params: Record<string, unknown> = {};
  let upload: Upload | undefined;
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') {
      params[name] = value;
    } else if (name === 'filename') {
      upload = { filename: value.name, data: Buffer.from(await value.arrayBuffer()) };
    } else {
      // "wrong field name for file upload - abort upload"
      throw new PveError(501, 'upload failed');
    }
  }
  if (!upload) throw new PveError(501, 'upload failed');
  params['filename'] = upload.filename;
  return { params, upload };
}

/** The request's parameters (without path parameters), or a PveError for a bad body. */
export async function readParameters(
  req: IncomingMessage,
  /** The raw query string (after `?`). */
  query: string,
  isUpload: boolean,
): Promise<ParsedRequest> {
  const method = req.method ?? 'GET';
  const length = Number(req.headers['content-length'] ?? 0);
  const queryParams = decodeUrlencoded(query);
  let parsed: ParsedRequest = { params: {} };
  if (req.headers['transfer-encoding']) {
    throw new PveError(501, 'chunked transfer encoding not supported');
  }
  if (length > 0) {
    if (method !== 'POST' && method !== 'PUT') {
      throw new PveError(501, `Unexpected content for method '${method}'`);
    }
    const { type, header } = contentTypeOf(req);
    if (isUpload) {
      if (type !== 'multipart/form-data') {
        throw new PveError(501, `upload 'Content-Type '${header}' not implemented`);
      }
      parsed = await parseMultipart(req, header);
    } else if (type === '' || type === 'application/x-www-form-urlencoded') {
      parsed = { params: decodeUrlencoded((await readBody(req, maxPostBytes)).toString('latin1')) };
    } else if (type === 'application/json') {
      const text = (await readBody(req, maxPostBytes)).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err: unknown) {
        throw new PveError(501, `malformed JSON string: ${(err as Error).message}`);
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        throw new PveError(501, 'Not a HASH reference');
      }
      parsed = { params: { ...(json as Record<string, unknown>) } };
    } else {
      throw new PveError(506, `upload 'Content-Type '${header}' not implemented`);
    }
  } else if (isUpload && method === 'POST') {
    throw new PveError(501, 'upload without content length header not supported');
  }
  for (const [key, value] of Object.entries(queryParams)) parsed.params[key] = value;
  delete parsed.params['_dc']; // ExtJS's cache buster, dropped by PVE
  return parsed;
}
