// Reading and writing Secret data: values are stored base64-encoded in `data`.
import type { AnyResource } from '../api/meta.ts';
import { ApiVersion } from '../api/meta.ts';
import type { Secret } from '../api/kinds/secret.ts';
import { controllerReference } from './objects.ts';

/** The decoded values of a Secret (`data`, plus any `stringData` not yet folded in). */
export function decodeSecretData(secret: Secret): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    values[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  for (const [key, value] of Object.entries(secret.stringData ?? {})) values[key] = value;
  return values;
}

export function encodeSecretData(values: Readonly<Record<string, string>>): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    data[key] = Buffer.from(value, 'utf8').toString('base64');
  }
  return data;
}

/** A new Secret owned (controller reference) by `owner`, in the owner's namespace. */
export function ownedSecret(input: {
  owner: AnyResource;
  name: string;
  type: string;
  values: Readonly<Record<string, string>>;
  labels?: Record<string, string>;
}): Secret {
  const metadata: Secret['metadata'] = {
    name: input.name,
    ownerReferences: [controllerReference(input.owner)],
  };
  if (input.owner.metadata.namespace) metadata.namespace = input.owner.metadata.namespace;
  if (input.labels) metadata.labels = input.labels;
  return {
    apiVersion: ApiVersion,
    kind: 'Secret',
    metadata,
    type: input.type,
    data: encodeSecretData(input.values),
  };
}
