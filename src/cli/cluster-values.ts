// `--set key=value` flags of `slipway create cluster`: dotted keys into spec.config.
import { parse } from 'yaml';
import { CliError } from './errors.ts';
import { isRecord } from './objects.ts';

export type ConfigValues = Record<string, unknown>;

/** Keys that would reach an object's prototype; the server refuses them too. */
const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The path of a dotted key: `machine.vcpu` → `['machine', 'vcpu']`. A backslash keeps a
 * dot inside one key, as Helm does: `nodeLabels.example\.com/zone`.
 */
export function parseKeyPath(key: string): string[] {
  const path: string[] = [];
  let current = '';
  for (let i = 0; i < key.length; i++) {
    const char = key[i];
    if (char === '\\' && key[i + 1] === '.') {
      current += '.';
      i++;
    } else if (char === '.') {
      path.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  path.push(current);
  if (path.some((part) => part === '')) {
    throw new CliError(`--set: "${key}" is not a key (use dotted names, e.g. machine.vcpu=4)`);
  }
  const bad = path.find((part) => forbiddenKeys.has(part));
  if (bad) throw new CliError(`--set: "${bad}" may not be used as a key`);
  return path;
}

/**
 * A value as YAML reads a scalar: `4` and `1.5` are numbers, `true`/`false` booleans,
 * anything else (including text YAML would read as a list, map or null) the text itself.
 */
export function parseScalar(text: string): unknown {
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    return text;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : text;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  return text;
}

/** Split `key=value` at the first `=`. */
function splitAssignment(assignment: string, flag: string): [string, string] {
  const equals = assignment.indexOf('=');
  if (equals <= 0) {
    throw new CliError(`${flag}: "${assignment}" is not key=value (e.g. machine.vcpu=4)`);
  }
  return [assignment.slice(0, equals), assignment.slice(equals + 1)];
}

/** Set `value` at `path` in `config`, creating the objects on the way. */
export function setPath(config: ConfigValues, path: readonly string[], value: unknown): void {
  let target = config;
  for (const [index, part] of path.entries()) {
    const existing = Object.hasOwn(target, part) ? target[part] : undefined;
    if (index === path.length - 1) {
      if (isRecord(existing)) {
        throw new CliError(`--set: ${path.join('.')} already holds keys set by another --set`);
      }
      target[part] = value;
      return;
    }
    const next = existing ?? {};
    if (!isRecord(next)) {
      throw new CliError(
        `--set: ${path.slice(0, index + 1).join('.')} is already set to a value, so it cannot hold ${path.join('.')}`,
      );
    }
    target[part] = next;
    target = next;
  }
}

/**
 * spec.config from `--set` (values read as YAML scalars) and `--set-string` (values kept
 * as text) assignments, applied in the order given.
 */
export function configFromAssignments(
  sets: readonly string[],
  setStrings: readonly string[] = [],
): ConfigValues {
  const config: ConfigValues = {};
  for (const assignment of sets) {
    const [key, text] = splitAssignment(assignment, '--set');
    setPath(config, parseKeyPath(key), parseScalar(text));
  }
  for (const assignment of setStrings) {
    const [key, text] = splitAssignment(assignment, '--set-string');
    setPath(config, parseKeyPath(key), text);
  }
  return config;
}

/** `--labels a=b,c=d` → `{a: 'b', c: 'd'}`. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const [key, value] = splitAssignment(pair.trim(), '--labels');
    labels[key] = value;
  }
  return labels;
}

/** A count flag: a whole number of at least `minimum`. */
export function countOption(text: string, flag: string, minimum: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new CliError(`${flag}: "${text}" is not a whole number of ${minimum} or more`);
  }
  return value;
}
