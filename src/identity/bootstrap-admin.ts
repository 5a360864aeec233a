// The first administrator. On the first start (no User at all) Slipway creates User
// `admin` (`spec.admin: true`) with a generated password, written to
// `DATA/admin.password` (mode 0600) for the operator to read; `slipway server` prints it
// once. There is never a default password.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ApiVersion, StatusReason, isSlipwayError, type AnyResource } from '../api/index.ts';
import type { User } from '../api/kinds/user.ts';
import type { Store } from '../store/types.ts';
import { ensureSecretFile } from './secret-file.ts';
import type { UserPasswords } from './users.ts';

export const adminPasswordFile = 'admin.password';
export const firstAdminName = 'admin';

export interface FirstAdmin {
  /** Where the password is (whether or not it was made now). */
  passwordPath: string;
  /** The password, only when the admin was created at this start (to print once). */
  password?: string;
}

/** 24 characters of base64url: 144 random bits. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Create the first admin when there are no Users; see the module comment. */
export async function ensureFirstAdmin(opts: {
  store: Store;
  passwords: UserPasswords;
  dataDir: string;
}): Promise<FirstAdmin> {
  const passwordPath = join(opts.dataDir, adminPasswordFile);
  const { items } = await opts.store.list('User', { limit: 1 });
  if (items.length > 0) return { passwordPath };
  // The file first: if the server stops between the two writes, the next start finds no
  // User, reuses the same password, and the file still tells the truth.
  const { value: password } = await ensureSecretFile(passwordPath, generatePassword);
  const admin: User & AnyResource = {
    apiVersion: ApiVersion,
    kind: 'User',
    metadata: { name: firstAdminName },
    spec: { admin: true, displayName: 'Administrator' },
  };
  try {
    await opts.store.create(admin);
  } catch (err: unknown) {
    // Another replica got there first; it sets the password from the same file.
    if (isSlipwayError(err, StatusReason.AlreadyExists)) return { passwordPath };
    throw err;
  }
  await opts.passwords.set(firstAdminName, password);
  return { passwordPath, password };
}
