// Admission step 4: defaulting. Schema defaults fill omitted fields, and a Secret's
// write-only `stringData` is folded into base64 `data` (as Kubernetes does while
// decoding), so what is stored and returned is only ever `data`.
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import type { AnyResource, KindDefinition } from '../../api/index.ts';
import type { AdmissionContext } from './types.ts';

function hasDefaults(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  if ('default' in schema) return true;
  return Object.values(schema).some(hasDefaults);
}

export type Defaulter = (ctx: AdmissionContext) => void;

/** Defaulting for every kind; kinds whose schema declares no defaults skip the walk. */
export function createDefaulter(kinds: readonly KindDefinition[]): Defaulter {
  const withDefaults = new Map<string, TSchema>();
  for (const kind of kinds) if (hasDefaults(kind.schema)) withDefaults.set(kind.kind, kind.schema);
  return (ctx) => {
    const schema = withDefaults.get(ctx.request.kind.kind);
    if (schema !== undefined) Value.Default(schema, ctx.object);
    if (ctx.request.kind.kind === 'Secret') mergeStringData(ctx.object);
  };
}

/** Move `stringData` into `data`, base64-encoded; `stringData` wins on a shared key. */
export function mergeStringData(secret: AnyResource): void {
  const stringData = secret['stringData'] as Record<string, string> | undefined;
  if (stringData === undefined) return;
  const data = { ...(secret['data'] as Record<string, string> | undefined) };
  for (const [key, value] of Object.entries(stringData)) {
    data[key] = Buffer.from(value, 'utf8').toString('base64');
  }
  secret['data'] = data;
  delete secret['stringData'];
}
