// Reading `-f` sources: files, directories and stdin holding one or more YAML or JSON objects.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CliError } from './errors.ts';
import { isRecord } from './objects.ts';

/** One object from a manifest, with where it came from for error messages. */
export interface Manifest {
  /** `file.yaml` or `file.yaml (document 2)`. */
  source: string;
  object: Record<string, unknown>;
}

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

/**
 * Split text into objects: YAML documents separated by `---`, or JSON (a JSON document is
 * YAML too). Empty documents are skipped; `kind: List` (and `…List` kinds) expand to their
 * items. Throws a CliError naming the source and line of a syntax error.
 */
export function parseManifests(text: string, source: string): Manifest[] {
  // No pretty errors: they quote the offending line, and a manifest may hold a secret.
  const documents = parseAllDocuments(text, { prettyErrors: false });
  const manifests: Manifest[] = [];
  const multiple = documents.length > 1;
  documents.forEach((document, index) => {
    const where = multiple ? `${source} (document ${index + 1})` : source;
    const error = document.errors[0];
    if (error) {
      const [line, column] = lineAndColumn(text, error.pos[0]);
      throw new CliError(
        `${where}: invalid YAML: line ${line}, column ${column}: ${error.message}`,
      );
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return;
    for (const object of expandLists(value, where)) {
      manifests.push({ source: where, object });
    }
  });
  return manifests;
}

/** 1-based line and column of a character offset. */
function lineAndColumn(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset).split('\n');
  return [before.length, (before.at(-1)?.length ?? 0) + 1];
}

function expandLists(value: unknown, where: string): Record<string, unknown>[] {
  if (!isRecord(value)) {
    throw new CliError(`${where}: expected an object with apiVersion, kind and metadata`);
  }
  const kind = value['kind'];
  const items = value['items'];
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items)) {
    return items.flatMap((item: unknown) => expandLists(item, where));
  }
  return [value];
}

/**
 * Objects from every `-f` argument in order: `-` is stdin, a directory contributes its
 * `*.yaml`, `*.yml` and `*.json` files sorted by name (not recursively).
 */
export async function readManifests(
  sources: readonly string[],
  readStdin: () => Promise<string>,
): Promise<Manifest[]> {
  const manifests: Manifest[] = [];
  for (const source of sources) {
    if (source === '-') {
      manifests.push(...parseManifests(await readStdin(), 'stdin'));
      continue;
    }
    for (const file of await manifestFiles(source)) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err: unknown) {
        throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
      }
      manifests.push(...parseManifests(text, file));
    }
  }
  return manifests;
}

async function manifestFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT'
        ? `the path "${path}" does not exist`
        : `cannot read ${path}: ${(err as Error).message}`,
    );
  }
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && manifestExtensions.has(extname(entry.name).toLowerCase()))
    .map((entry) => entry.name)
    .sort()
    .map((name) => join(path, name));
  if (files.length === 0) throw new CliError(`no *.yaml, *.yml or *.json files in ${path}`);
  return files;
}

/** Require `-f` and say how to use it. */
export function requireFiles(files: readonly string[] | undefined): readonly string[] {
  if (!files || files.length === 0) {
    throw new CliError('must specify -f FILE, a directory or - (stdin)');
  }
  return files;
}
