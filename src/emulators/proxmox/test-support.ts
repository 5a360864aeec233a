// Test helpers: a small HTTPS client for the emulator (token, ticket or no auth; form,
// JSON or multipart bodies) that trusts the emulator's CA, and task waiting.
import { request } from 'node:https';
import type { ProxmoxEmulator } from './emulator.ts';

export interface PveAnswer {
  status: number;
  reason: string;
  /** Parsed JSON body; undefined when the body is empty. */
  body:
    | { data?: unknown; message?: string; errors?: Record<string, string>; total?: number }
    | undefined;
}

export type PveAuth =
  | { kind: 'token'; tokenId: string; secret: string }
  | { kind: 'ticket'; ticket: string; csrf?: string }
  | { kind: 'none' };

export interface PveCall {
  params?: Record<string, string | string[] | number | boolean>;
  auth?: PveAuth;
  json?: boolean;
  multipart?: {
    fields: Record<string, string>;
    file: { name: string; filename: string; data: Buffer };
  };
}

function formBody(params: PveCall['params']): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    for (const v of Array.isArray(value) ? value : [value])
      search.append(key, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return search.toString();
}

function multipartBody(m: NonNullable<PveCall['multipart']>): { type: string; body: Buffer } {
  const boundary = `----emulatortest${Date.now()}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(m.fields)) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${m.file.name}"; filename="${m.file.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    m.file.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { type: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}

/** One API call below /api2/json; defaults to the emulator's token. */
export function pve(
  emu: ProxmoxEmulator,
  method: string,
  path: string,
  call: PveCall = {},
): Promise<PveAnswer> {
  const auth = call.auth ?? { kind: 'token', ...emu.token };
  const headers: Record<string, string> = {};
  if (auth.kind === 'token')
    headers['authorization'] = `PVEAPIToken=${auth.tokenId}=${auth.secret}`;
  if (auth.kind === 'ticket') {
    headers['cookie'] = `PVEAuthCookie=${encodeURIComponent(auth.ticket)}`;
    if (auth.csrf) headers['csrfpreventiontoken'] = auth.csrf;
  }
  let url = `${emu.url}/api2/json${path}`;
  let body: Buffer | undefined;
  if (call.multipart) {
    const m = multipartBody(call.multipart);
    headers['content-type'] = m.type;
    body = m.body;
  } else if (method === 'GET' || method === 'DELETE') {
    const query = formBody(call.params);
    if (query) url += `?${query}`;
  } else if (call.json) {
    headers['content-type'] = 'application/json';
    body = Buffer.from(JSON.stringify(call.params ?? {}));
  } else {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = Buffer.from(formBody(call.params));
  }
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: emu.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          reason: res.statusMessage ?? '',
          body: text ? (JSON.parse(text) as PveAnswer['body']) : undefined,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `data` of a call that must succeed. */
export async function pveData<T = unknown>(
  emu: ProxmoxEmulator,
  method: string,
  path: string,
  call?: PveCall,
): Promise<T> {
  const answer = await pve(emu, method, path, call);
  if (answer.status !== 200)
    throw new Error(`${method} ${path}: ${answer.status} ${answer.reason}`);
  return answer.body?.data as T;
}

export interface TaskStatus {
  status: string;
  exitstatus?: string;
  type: string;
  id: string;
}

/** Poll a task until it stops; returns its status and log lines. */
export async function waitTask(
  emu: ProxmoxEmulator,
  upid: string,
  call?: PveCall,
): Promise<TaskStatus & { log: string[] }> {
  const node = upid.split(':')[1] ?? '';
  const path = `/nodes/${node}/tasks/${encodeURIComponent(upid)}`;
  for (;;) {
    const status = await pveData<TaskStatus>(emu, 'GET', `${path}/status`, call);
    if (status.status === 'stopped') {
      const lines = await pveData<{ n: number; t: string }[]>(emu, 'GET', `${path}/log`, {
        ...call,
        params: { limit: 1000 },
      });
      return { ...status, log: lines.map((l) => l.t) };
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Poll until `check` returns a value (not undefined), or fail after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
