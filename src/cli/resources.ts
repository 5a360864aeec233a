// From what the user typed (`ct`, `clusterdeployment/demo`) to kinds and URL paths.
import { ApiVersion, DefaultNamespace, resolveKind, type KindDefinition } from '../api/index.ts';
import { CliError } from './errors.ts';

/** `/apis/slipway.dev/v1alpha1`: where discovery lives and every resource path starts. */
export const apiBasePath = `/apis/${ApiVersion}`;

/** The kind a user typed: kind, plural, singular or short name, any case. */
export function kindFromUser(typed: string): KindDefinition {
  const kind = resolveKind(typed);
  if (!kind) {
    throw new CliError(
      `the server doesn't have a resource type "${typed}" (see "slipway api-resources")`,
    );
  }
  return kind;
}

/**
 * The URL path of a collection or object: namespaced kinds under `namespaces/{ns}` unless
 * `namespace` is undefined (all namespaces); cluster-scoped kinds ignore the namespace.
 */
export function resourcePath(
  kind: KindDefinition,
  namespace: string | undefined,
  name?: string,
): string {
  const scope = kind.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const object = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `${apiBasePath}${scope}/${kind.plural}${object}`;
}

/** `clusterdeployment/demo`, as apply, delete and wait print objects. */
export function objectRef(kind: KindDefinition, name: string): string {
  return `${kind.singular}/${name}`;
}

export interface ResourceTarget {
  kind: KindDefinition;
  /** Empty when the user named only a kind. */
  names: string[];
}

/**
 * Read kubectl-style resource arguments: `KIND`, `KIND[,KIND...] NAME...` or
 * `KIND/NAME...` (the latter may mix kinds). Consecutive names of one kind are grouped.
 */
export function parseResourceArgs(args: readonly string[]): ResourceTarget[] {
  const [first, ...rest] = args;
  if (first === undefined) {
    throw new CliError(
      'you must specify the type of resource, e.g. "clusterdeployments" (see "slipway api-resources")',
    );
  }
  if (!first.includes('/')) {
    const bad = rest.find((name) => name.includes('/'));
    if (bad) {
      throw new CliError(
        `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form ("${bad}")`,
      );
    }
    // `cld,ct` lists (or fetches the named objects of) several kinds.
    return first.split(',').map((typed) => ({ kind: kindFromUser(typed), names: [...rest] }));
  }
  const targets: ResourceTarget[] = [];
  for (const arg of args) {
    const slash = arg.indexOf('/');
    const name = arg.slice(slash + 1);
    if (slash <= 0 || name === '' || name.includes('/')) {
      throw new CliError(
        `arguments in resource/name form must have a single resource and name ("${arg}")`,
      );
    }
    const kind = kindFromUser(arg.slice(0, slash));
    const last = targets.at(-1);
    if (last && last.kind === kind) last.names.push(name);
    else targets.push({ kind, names: [name] });
  }
  return targets;
}

/** The namespace a command works in: `-n`, else `default`. */
export function namespaceOrDefault(namespace: string | undefined): string {
  return namespace ?? DefaultNamespace;
}
