// Which kind, namespace and name a manifest object addresses.
import { ApiVersion, DefaultNamespace, kindByName, type KindDefinition } from '../api/index.ts';
import { CliError } from './errors.ts';
import type { Manifest } from './manifests.ts';
import { isRecord } from './objects.ts';

export interface ManifestTarget {
  kind: KindDefinition;
  /** Undefined for cluster-scoped kinds. */
  namespace: string | undefined;
  name: string;
  /** The manifest object with its namespace filled in (or removed, for cluster-scoped kinds). */
  object: Record<string, unknown> & { metadata: Record<string, unknown> };
}

/**
 * Check a manifest object's apiVersion, kind and name and settle its namespace: the
 * object's own, else `-n`, else `default`. An object whose namespace contradicts `-n`
 * is refused, as kubectl does.
 */
export function manifestTarget(
  manifest: Manifest,
  namespaceFlag: string | undefined,
): ManifestTarget {
  const { object, source } = manifest;
  const kindName = object['kind'];
  const apiVersion = object['apiVersion'];
  if (typeof kindName !== 'string' || kindName === '') {
    throw new CliError(`${source}: object has no "kind"`);
  }
  if (apiVersion !== ApiVersion) {
    throw new CliError(
      `${source}: no matches for kind "${kindName}" in version "${String(apiVersion)}" (expected apiVersion ${ApiVersion})`,
    );
  }
  const kind = kindByName(kindName);
  if (!kind) {
    throw new CliError(`${source}: no matches for kind "${kindName}" in version "${ApiVersion}"`);
  }
  const metadata = isRecord(object['metadata']) ? { ...object['metadata'] } : {};
  const name = metadata['name'];
  if (typeof name !== 'string' || name === '') {
    throw new CliError(`${source}: ${kindName} has no metadata.name`);
  }
  let namespace: string | undefined;
  if (kind.namespaced) {
    const own = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : undefined;
    if (own && namespaceFlag && own !== namespaceFlag) {
      throw new CliError(
        `${source}: the namespace from the provided object "${own}" does not match the namespace "${namespaceFlag}"; pass --namespace=${own} or remove it from the object`,
      );
    }
    namespace = own || namespaceFlag || DefaultNamespace;
    metadata['namespace'] = namespace;
  } else {
    delete metadata['namespace'];
  }
  return { kind, namespace, name, object: { ...object, metadata } };
}
