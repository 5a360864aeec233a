// Finding and reading the official schema. Test and try-out tooling only: the product never
// reads this file.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PveSchema } from './schema.ts';

const SCHEMA_FILE = 'shared/fixtures/proxmox/pve-api-schema.json';

/**
 * Finds the schema: $SLIPWAY_PVE_SCHEMA, else `<repo>/../shared/fixtures/proxmox/…`, else
 * `/work/shared/fixtures/proxmox/…`. Throws an error naming every path it tried.
 */
export function pveSchemaPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['SLIPWAY_PVE_SCHEMA'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`SLIPWAY_PVE_SCHEMA=${fromEnv}: no such file (the Proxmox VE API schema)`);
  }
  // This file is <repo>/src/emulators/proxmox/schema/load.ts.
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
  const candidates = [resolve(repo, '..', SCHEMA_FILE), resolve('/work', SCHEMA_FILE)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found !== undefined) return found;
  throw new Error(
    `Proxmox VE API schema not found; tried ${candidates.join(', ')}. ` +
      'Set SLIPWAY_PVE_SCHEMA to the path of pve-api-schema.json.',
  );
}

/**
 * Reads, parses and indexes the schema. Costs a few tens of milliseconds: load it once per
 * process and keep the result.
 *
 * @example const schema = loadPveSchema(); schema.match('GET', '/nodes/pve1/qemu')
 */
export function loadPveSchema(path: string = pveSchemaPath()): PveSchema {
  let tree: unknown;
  try {
    tree = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot read the Proxmox VE API schema ${path}: ${reason}`);
  }
  try {
    return new PveSchema(tree);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot index the Proxmox VE API schema ${path}: ${reason}`);
  }
}
