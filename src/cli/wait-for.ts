// Waiting, by watch, until an object meets a condition or is gone (`wait`, `delete --wait`).
import type { AnyResource, KindDefinition } from '../api/index.ts';
import type { ApiClient } from './client.ts';
import { CliError } from './errors.ts';
import { evaluateJsonPath } from './json-path.ts';
import { isRecord } from './objects.ts';
import { observe } from './observe.ts';
import { objectRef, resourcePath } from './resources.ts';

export type WaitCondition =
  | { type: 'delete' }
  | { type: 'condition'; condition: string; status: string }
  | { type: 'jsonpath'; expression: string; value: string };

/** `delete`, `condition=Ready`, `condition=Ready=False` or `jsonpath={.status.phase}=Ready`. */
export function parseWaitFor(text: string): WaitCondition {
  if (text === 'delete') return { type: 'delete' };
  if (text.startsWith('condition=')) {
    const [condition = '', status = 'True', ...extra] = text.slice('condition='.length).split('=');
    if (condition !== '' && extra.length === 0) return { type: 'condition', condition, status };
  }
  if (text.startsWith('jsonpath=')) {
    const rest = text.slice('jsonpath='.length);
    const end = rest.startsWith('{') ? rest.indexOf('}') + 1 : rest.lastIndexOf('=');
    if (end > 0 && rest[end] === '=') {
      return { type: 'jsonpath', expression: rest.slice(0, end), value: rest.slice(end + 1) };
    }
  }
  throw new CliError(
    `unrecognized --for "${text}": use delete, condition=TYPE[=True|False|Unknown] or jsonpath={.path}=VALUE`,
  );
}

/** Whether `object` (undefined: it does not exist) meets `wanted`. */
export function conditionMet(object: AnyResource | undefined, wanted: WaitCondition): boolean {
  if (wanted.type === 'delete') return object === undefined;
  if (object === undefined) return false;
  if (wanted.type === 'jsonpath') {
    return evaluateJsonPath(object, wanted.expression).some((v) => String(v) === wanted.value);
  }
  const conditions = isRecord(object.status) ? object.status['conditions'] : undefined;
  if (!Array.isArray(conditions)) return false;
  return conditions.some(
    (c: unknown) =>
      isRecord(c) &&
      String(c['type']).toLowerCase() === wanted.condition.toLowerCase() &&
      String(c['status']).toLowerCase() === wanted.status.toLowerCase(),
  );
}

export interface WaitOptions {
  /** No limit when undefined. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Watch one object until it meets `wanted`. Throws a CliError when the object does not
 * exist (or disappears) while waiting for a condition, and when the timeout passes.
 */
export async function waitForObject(
  client: ApiClient,
  kind: KindDefinition,
  namespace: string | undefined,
  name: string,
  wanted: WaitCondition,
  options: WaitOptions = {},
): Promise<void> {
  const timeout =
    options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const signals = [options.signal, timeout].filter((s) => s !== undefined);
  const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
  const ref = objectRef(kind, name);
  const observations = observe(client, resourcePath(kind, namespace), {
    fieldSelector: `metadata.name=${name}`,
    ...(signal ? { signal } : {}),
  });
  try {
    for await (const seen of observations) {
      const object =
        seen.type === 'SNAPSHOT'
          ? seen.items.find((item) => item.metadata.name === name)
          : seen.type === 'DELETED'
            ? undefined
            : seen.object;
      if (seen.type !== 'SNAPSHOT' && seen.object.metadata.name !== name) continue;
      if (conditionMet(object, wanted)) return;
      if (object === undefined && wanted.type !== 'delete') {
        const scope = namespace ? ` in namespace "${namespace}"` : '';
        throw new CliError(
          seen.type === 'SNAPSHOT'
            ? `${kind.plural} "${name}" not found${scope}`
            : `${ref} was deleted while waiting for it`,
        );
      }
    }
  } catch (err: unknown) {
    if (timeout?.aborted && !options.signal?.aborted) {
      throw new CliError(`timed out waiting for ${describeWanted(wanted)} on ${ref}`);
    }
    throw err;
  }
}

export function describeWanted(wanted: WaitCondition): string {
  switch (wanted.type) {
    case 'delete':
      return 'the deletion';
    case 'condition':
      return `condition ${wanted.condition}=${wanted.status}`;
    case 'jsonpath':
      return `${wanted.expression}=${wanted.value}`;
  }
}
