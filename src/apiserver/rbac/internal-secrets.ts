// Identity material (password hashes, sessions, API token hashes) lives in the store as
// Secrets of internal types. The API never serves them, to anyone: a get answers 404,
// lists and watches leave them out, and no client may write one (admission refuses the
// type). Only src/identity writes them, through the store directly.
import { InternalSecretTypes, notFound, secretKind, type AnyResource } from '../../api/index.ts';

/** Whether `object` is a Secret of an internal type. */
export function isInternalSecret(object: AnyResource): boolean {
  if (object.kind !== secretKind.kind) return false;
  const type = (object as { type?: unknown }).type;
  return typeof type === 'string' && InternalSecretTypes.has(type);
}

/** `object`, unless it is internal: then the NotFound the API answers for it. */
export function servedOrNotFound<T extends AnyResource>(object: T): T {
  if (isInternalSecret(object)) throw notFound(secretKind.kind, object.metadata.name);
  return object;
}
