// What every handler works with: the cluster state, tasks, locks, guests, live options
// and the caller; plus small readers for request parameters, which arrive as strings
// (form data, query) or JSON values and have passed the schema check already.
import type { Authenticator } from './auth.ts';
import { parameterError, PveError } from './errors.ts';
import type { GuestManager } from './guest/manager.ts';
import type { LockTable } from './locks.ts';
import type { ResolvedOptions } from './options.ts';
import type { Caller } from './permission-check.ts';
import type { ClusterState } from './state.ts';
import type { TaskManager } from './tasks.ts';

export interface EmulatorCore {
  options: ResolvedOptions;
  state: ClusterState;
  tasks: TaskManager;
  locks: LockTable;
  guests: GuestManager;
  auth: Authenticator;
  /** Uniform in [0, 1); injectable for tests. */
  random: () => number;
}

export interface Upload {
  /** The file part's filename, as the client sent it (before normalisation). */
  filename: string;
  data: Buffer;
}

export interface HandlerContext {
  core: EmulatorCore;
  caller: Caller;
  /** Path, query and body parameters, merged as pve-http-server does. */
  params: Readonly<Record<string, unknown>>;
  upload?: Upload;
}

/** A list answer with PVE's top-level `total` (task logs). */
export class WithTotal {
  readonly data: unknown;
  readonly total: number;

  constructor(data: unknown, total: number) {
    this.data = data;
    this.total = total;
  }
}

export type Handler = (ctx: HandlerContext) => unknown;

/** A parameter as text: JSON booleans as 1/0, arrays joined by NUL as form values are. */
export function paramText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((v) => paramText(v) ?? '').join('\0');
  return JSON.stringify(value);
}

export function optString(ctx: HandlerContext, name: string): string | undefined {
  return paramText(ctx.params[name]);
}

export function requireString(ctx: HandlerContext, name: string): string {
  const value = optString(ctx, name);
  if (value === undefined)
    throw parameterError({ [name]: 'property is missing and it is not optional' });
  return value;
}

export function optInt(ctx: HandlerContext, name: string): number | undefined {
  const value = optString(ctx, name);
  return value === undefined ? undefined : Number(value);
}

export function requireInt(ctx: HandlerContext, name: string): number {
  return Number(requireString(ctx, name));
}

export function optBool(ctx: HandlerContext, name: string): boolean | undefined {
  const value = optString(ctx, name);
  if (value === undefined) return undefined;
  return /^(1|true|yes|on)$/i.test(value);
}

/** The node a /nodes/{node}/… call names, which must be a cluster member. */
export function requireNode(ctx: HandlerContext): string {
  const node = requireString(ctx, 'node');
  if (!ctx.core.state.nodes.has(node)) {
    throw new PveError(
      500,
      `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`,
    );
  }
  return node;
}
