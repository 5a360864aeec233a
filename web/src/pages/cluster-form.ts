// The pure half of the create-cluster form: the ClusterDeployment it describes, its YAML
// in both directions, and the server's field errors sorted to the fields they concern.
import type { ErrorSchema } from '@rjsf/utils';
import { parse, stringify } from 'yaml';
import type { ApiError } from '../api/client.ts';
import type { ClusterTemplate, Resource } from '../api/types.ts';

export interface ClusterDraft {
  name: string;
  namespace: string;
  template: string;
  credential: string;
  config: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The ClusterDeployment to POST. */
export function clusterObject(draft: ClusterDraft): Json {
  return {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'ClusterDeployment',
    metadata: { name: draft.name, namespace: draft.namespace },
    spec: { template: draft.template, credential: draft.credential, config: draft.config },
  };
}

export function draftYaml(draft: ClusterDraft): string {
  return stringify(clusterObject(draft));
}

/**
 * Read the YAML view back into a draft; throws with a message for the user when it is not
 * YAML or not a ClusterDeployment. The namespace stays the page's.
 */
export function draftFromYaml(text: string, namespace: string): ClusterDraft {
  const doc: unknown = parse(text);
  if (!isRecord(doc)) throw new Error('the YAML must be one object (a ClusterDeployment)');
  if (doc['kind'] !== undefined && doc['kind'] !== 'ClusterDeployment') {
    throw new Error(`kind must be ClusterDeployment, not ${JSON.stringify(doc['kind'])}`);
  }
  const metadata = isRecord(doc['metadata']) ? doc['metadata'] : {};
  const spec = isRecord(doc['spec']) ? doc['spec'] : {};
  if (metadata['namespace'] !== undefined && metadata['namespace'] !== namespace) {
    throw new Error(`metadata.namespace must be ${namespace} (switch project to create elsewhere)`);
  }
  const text_ = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    name: text_(metadata['name']),
    namespace,
    template: text_(spec['template']),
    credential: text_(spec['credential']),
    config: isRecord(spec['config']) ? spec['config'] : {},
  };
}

/** A fresh copy of the template's defaults, to start the form with. */
export function initialConfig(template: ClusterTemplate | undefined): Json {
  return structuredClone(template?.spec.defaults ?? {});
}

/** Where the page shows each of the server's complaints. */
export interface PlacedErrors {
  name: string[];
  template: string[];
  credential: string[];
  /** For the generated form (`extraErrors`). */
  config: ErrorSchema;
  /** Everything not tied to a field above. */
  other: { field: string; message: string }[];
}

/**
 * Sort an API failure's causes to the fields they name. A failure without causes that
 * names `spec.template` / `spec.credential` in its message (the grant check) goes there too.
 */
export function placeErrors(
  error: ApiError | undefined,
  sent?: ClusterDraft,
  now?: ClusterDraft,
): PlacedErrors {
  const placed: PlacedErrors = { name: [], template: [], credential: [], config: {}, other: [] };
  if (!error) return placed;
  // Errors of a field the user changed since are about a value no longer there.
  const changed = (field: 'name' | 'template' | 'credential' | 'config') =>
    sent !== undefined &&
    now !== undefined &&
    JSON.stringify(sent[field]) !== JSON.stringify(now[field]);
  const fixed = {
    name: changed('name'),
    template: changed('template'),
    credential: changed('credential'),
    config: changed('config'),
  };
  for (const cause of error.causes) {
    const field = cause.field;
    if (field === 'metadata.name') {
      if (!fixed.name) placed.name.push(cause.message);
    } else if (field === 'spec.template') {
      if (!fixed.template) placed.template.push(cause.message);
    } else if (field === 'spec.credential') {
      if (!fixed.credential) placed.credential.push(cause.message);
    } else if (field === 'spec.config' || field.startsWith('spec.config.')) {
      if (fixed.config) continue;
      const path = field.split('.').slice(2);
      let node: Json = placed.config;
      for (const segment of path) {
        const existing = node[segment];
        const next = isRecord(existing) ? existing : {};
        node[segment] = next;
        node = next;
      }
      const errors = Array.isArray(node['__errors']) ? (node['__errors'] as string[]) : [];
      node['__errors'] = [...errors, cause.message];
    } else placed.other.push(cause);
  }
  if (error.causes.length === 0) {
    if (/spec\.template/.test(error.message)) {
      if (!fixed.template) placed.template.push(error.message);
    } else if (/spec\.credential/.test(error.message)) {
      if (!fixed.credential) placed.credential.push(error.message);
    }
  }
  return placed;
}

/** "ns/name" keys, so a project's own template and a global one of the same name differ. */
export function objectKey(obj: Resource): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/**
 * Objects from the project namespace first, then global ones whose name the project
 * does not shadow (the controller resolves a name in the project namespace first).
 */
export function resolvable<T extends Resource>(own: T[], global: T[]): T[] {
  const names = new Set(own.map((o) => o.metadata.name));
  return [...own, ...global.filter((g) => !names.has(g.metadata.name))];
}

/** Words that are not written as plain lower-case words. */
const specialWords: Record<string, string> = { vcpu: 'vCPU', cpu: 'CPU', ip: 'IP', k3s: 'K3s' };

/** "memoryMiB" → "Memory MiB", "controlPlaneNumber" → "Control plane number". */
export function humanize(key: string): string {
  const unit = /(KiB|MiB|GiB|TiB)$/.exec(key)?.[1];
  const base = unit ? key.slice(0, -unit.length) : key;
  const words = base
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(' ')
    .map((w, i) => specialWords[w] ?? (i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w));
  return unit ? [...words, unit].join(' ') : words.join(' ');
}

/** An object with neither named properties nor a schema for extra keys: nothing a form can fill in. */
function nothingToFill(schema: Json): boolean {
  return (
    schema['type'] === 'object' &&
    !isRecord(schema['properties']) &&
    schema['additionalProperties'] === undefined
  );
}

/**
 * The values schema as the generated form shows it: a readable title on every property
 * that has none ("Workers number" rather than "workersNumber"), and free-form objects
 * (such as `k3s: {type: object}`) left out — the YAML view edits those, and values set
 * there are kept.
 */
export function formSchema(schema: Json): Json {
  const copy: Json = { ...schema };
  const properties = schema['properties'];
  if (isRecord(properties)) {
    const shown: Json = {};
    for (const [key, value] of Object.entries(properties)) {
      if (!isRecord(value)) {
        shown[key] = value;
        continue;
      }
      if (nothingToFill(value)) continue;
      const child = formSchema(value);
      if (typeof child['title'] !== 'string') child['title'] = humanize(key);
      shown[key] = child;
    }
    copy['properties'] = shown;
  }
  return copy;
}
