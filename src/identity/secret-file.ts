// Files that hold a generated secret (the admin token, the first admin's password):
// written once, mode 0600, atomically, and read back on later starts.
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Write `generate()`'s value to `path` (mode 0600) unless the file exists; returns the
 * value in the file and whether this call created it. Written aside, then hard-linked
 * into place: link() fails if the file exists, so of two servers starting at once one
 * wins, and nobody ever reads a half-written file.
 */
export async function ensureSecretFile(
  path: string,
  generate: () => string,
): Promise<{ value: string; created: boolean }> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const value = generate();
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${value}\n`, { flag: 'wx', mode: 0o600 });
  try {
    await link(temporary, path);
    return { value, created: true };
  } catch (err: unknown) {
    if (!(err instanceof Error && 'code' in err && err.code === 'EEXIST')) throw err;
  } finally {
    await unlink(temporary);
  }
  // A copied data directory may have lost its permissions; the secret must stay private.
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  const existing = (await readFile(path, 'utf8')).trim();
  if (existing.length === 0) throw new Error(`${path} is empty; delete it to generate a new one`);
  return { value: existing, created: false };
}
