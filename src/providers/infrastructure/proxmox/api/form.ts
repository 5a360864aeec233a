// Request bodies the way pve-http-server reads them.
//
// Form bodies and query strings are decoded by pve-http-server's decode_urlencoded: it
// splits pairs on '&' AND ';', splits each pair on every '=' (keeping only the first two
// pieces), turns '+' into a space and then %XX into bytes. So every byte outside
// [A-Za-z0-9-_.~] is percent-encoded here, '=' and ';' included; encodeURIComponent
// alone would leave `!'()*` bare, which is harmless but encoded anyway for one rule.
//
// Uploads are parsed by pve-http-server's file_upload_multipart, a regex reader with
// firm expectations: the boundary is read unquoted from the Content-Type, the plain
// fields (content, checksum) come before the file, the file part's first header line is
// exactly `Content-Disposition: form-data; name="filename"; filename="…"`, and the body
// must have a Content-Length (chunked uploads are refused). The file part also needs a
// header line after Content-Disposition (Content-Type here): the reader then drops
// everything up to the next blank line, and without one it would eat into the data. The
// body is built in memory; cloud-init ISOs are small.
import { randomBytes } from 'node:crypto';

/** Parameters of a Proxmox call; undefined values are left out. */
export type ProxmoxParams = Record<string, string | number | boolean | undefined>;

/** Percent-encodes a string so pve-http-server decodes exactly it back. */
export function encodeFormComponent(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function formValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

/**
 * `application/x-www-form-urlencoded` for Proxmox: booleans as 1/0, undefined dropped,
 * spaces as %20.
 *
 * @example
 * encodeForm({ newid: 105, full: false, name: undefined }) // 'newid=105&full=0'
 */
export function encodeForm(params: ProxmoxParams | undefined): string {
  if (!params) return '';
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError(`parameter ${key}: ${value} is not a finite number`);
    }
    pairs.push(`${encodeFormComponent(key)}=${encodeFormComponent(formValue(value))}`);
  }
  return pairs.join('&');
}

/** A multipart body ready to send, with the headers that describe it. */
export interface MultipartBody {
  body: Buffer;
  contentType: string;
  contentLength: number;
}

/** A file for the storage upload endpoint. */
export interface UploadFile {
  content: 'iso' | 'vztmpl' | 'import';
  filename: string;
  data: Buffer;
}

/**
 * The multipart body of `POST /nodes/{node}/storage/{storage}/upload`: the `content`
 * field, then the file part named `filename`.
 *
 * @example
 * const { body, contentType } = uploadMultipart({ content: 'iso', filename: 'seed.iso', data });
 */
export function uploadMultipart(
  file: UploadFile,
  boundary = newBoundary(file.data),
): MultipartBody {
  // Proxmox would rename anything else to '_' silently; a caller should know the name.
  if (!/^[A-Za-z0-9_.-]+$/.test(file.filename)) {
    throw new TypeError(
      `upload filename "${file.filename}" may only use letters, digits, '_', '.' and '-'`,
    );
  }
  const crlf = '\r\n';
  const head = Buffer.from(
    `--${boundary}${crlf}` +
      `Content-Disposition: form-data; name="content"${crlf}${crlf}` +
      `${file.content}${crlf}` +
      `--${boundary}${crlf}` +
      `Content-Disposition: form-data; name="filename"; filename="${file.filename}"${crlf}` +
      `Content-Type: application/octet-stream${crlf}${crlf}`,
    'latin1',
  );
  const tail = Buffer.from(`${crlf}--${boundary}--${crlf}`, 'latin1');
  const body = Buffer.concat([head, file.data, tail]);
  return {
    body,
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: body.length,
  };
}

function newBoundary(data: Buffer): string {
  for (;;) {
    const boundary = `slipway-${randomBytes(16).toString('hex')}`;
    if (!data.includes(boundary)) return boundary;
  }
}
