// Users' passwords, kept as scrypt hashes in internal Secrets
// (`slipway-system/user-<name>-password`, type slipway.dev/password-hash), and the
// identity a User signs in as. Only this module reads or writes those Secrets.
import { randomUUID } from 'node:crypto';
import {
  ApiVersion,
  StatusReason,
  SystemNamespace,
  isSlipwayError,
  type AnyResource,
} from '../api/index.ts';
import { SecretTypes, type Secret } from '../api/kinds/secret.ts';
import type { User } from '../api/kinds/user.ts';
import type { Store } from '../store/types.ts';
import { checkPasswordPolicy, type PasswordHasher } from './passwords.ts';

/** Group of every signed-in caller. */
export const AuthenticatedGroup = 'system:authenticated';
/** Group of administrators (a User with `spec.admin: true`). */
export const AdminGroup = 'system:masters';

/** Who a signed-in user is; the API server's `UserInfo` has the same shape. */
export interface Principal {
  username: string;
  uid?: string;
  groups: readonly string[];
}

/** `system:authenticated`, the User's own groups, and `system:masters` for admins. */
export function principalOf(user: User): Principal {
  const groups = new Set<string>([AuthenticatedGroup, ...(user.spec.groups ?? [])]);
  if (user.spec.admin === true) groups.add(AdminGroup);
  else groups.delete(AdminGroup); // a group list cannot make someone an admin
  const principal: Principal = { username: user.metadata.name, groups: [...groups] };
  if (user.metadata.uid !== undefined) principal.uid = user.metadata.uid;
  return principal;
}

/** The User, or undefined when there is none. */
export async function findUser(store: Store, name: string): Promise<User | undefined> {
  try {
    return await store.get<User & AnyResource>('User', undefined, name);
  } catch (err: unknown) {
    if (isSlipwayError(err, StatusReason.NotFound) || isSlipwayError(err, StatusReason.BadRequest))
      return undefined;
    throw err;
  }
}

/** A User that may sign in: exists, not disabled, not being deleted. */
export function isActive(user: User | undefined): user is User {
  return (
    user !== undefined &&
    user.spec.disabled !== true &&
    user.metadata.deletionTimestamp === undefined
  );
}

export function passwordSecretName(username: string): string {
  return `user-${username}-password`;
}

const hashKey = 'hash';

export interface UserPasswordsOptions {
  store: Store;
  hasher: PasswordHasher;
}

/** Sets and checks users' passwords. */
export class UserPasswords {
  readonly #store: Store;
  readonly #hasher: PasswordHasher;
  #decoy: Promise<string> | undefined;

  constructor(opts: UserPasswordsOptions) {
    this.#store = opts.store;
    this.#hasher = opts.hasher;
  }

  /**
   * Set a user's password (after the policy check: Invalid naming `field`). The User must
   * exist; its hash Secret is owned by it, so deleting the User deletes the hash too.
   */
  async set(username: string, password: unknown, field = 'password'): Promise<void> {
    checkPasswordPolicy(password, field, { kind: 'User', name: username });
    const user = await this.#store.get<User & AnyResource>('User', undefined, username);
    const encoded = await this.#hasher.hash(password);
    const secret: Secret & AnyResource = {
      apiVersion: ApiVersion,
      kind: 'Secret',
      metadata: {
        name: passwordSecretName(username),
        namespace: SystemNamespace,
        ownerReferences: [
          { apiVersion: ApiVersion, kind: 'User', name: username, uid: user.metadata.uid ?? '' },
        ],
      },
      type: SecretTypes.PasswordHash,
      data: { [hashKey]: Buffer.from(encoded, 'utf8').toString('base64') },
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = await this.#stored(username);
        if (existing === undefined) await this.#store.create(secret);
        else {
          const { resourceVersion } = existing.metadata;
          await this.#store.update({
            ...secret,
            metadata: {
              ...secret.metadata,
              ...(resourceVersion !== undefined ? { resourceVersion } : {}),
            },
          });
        }
        return;
      } catch (err: unknown) {
        const raced =
          isSlipwayError(err, StatusReason.Conflict) ||
          isSlipwayError(err, StatusReason.AlreadyExists);
        if (!raced || attempt >= 3) throw err;
      }
    }
  }

  /**
   * The User when the name and password match an active user; undefined otherwise. An
   * unknown user, a disabled one, one without a password and a wrong password all give
   * the same answer after the same scrypt work, so neither the answer nor its timing
   * tells which names exist.
   */
  async verify(username: string, password: string): Promise<User | undefined> {
    const user = typeof username === 'string' ? await findUser(this.#store, username) : undefined;
    const encoded = user !== undefined ? await this.#hash(username) : undefined;
    if (user === undefined || encoded === undefined) {
      await this.#hasher.verify(password, await this.#decoyHash());
      return undefined;
    }
    const matches = await this.#hasher.verify(password, encoded);
    if (!matches || !isActive(user)) return undefined;
    // Stronger parameters since this hash was made: the password is at hand, so upgrade it.
    if (this.#hasher.needsRehash?.(encoded) === true) await this.set(username, password);
    return user;
  }

  /**
   * Make the decoy hash now, so that the first login of an unknown name is not slower
   * than the others (which would tell that the name is unknown).
   */
  async warmUp(): Promise<void> {
    await this.#decoyHash();
  }

  /** Whether the user has a password (OIDC-only users have none). */
  async hasPassword(username: string): Promise<boolean> {
    return (await this.#hash(username)) !== undefined;
  }

  async #stored(username: string): Promise<Secret | undefined> {
    try {
      return await this.#store.get<Secret & AnyResource>(
        'Secret',
        SystemNamespace,
        passwordSecretName(username),
      );
    } catch (err: unknown) {
      if (isSlipwayError(err, StatusReason.NotFound)) return undefined;
      throw err;
    }
  }

  async #hash(username: string): Promise<string | undefined> {
    const secret = await this.#stored(username);
    if (secret?.type !== SecretTypes.PasswordHash) return undefined;
    const value = secret.data?.[hashKey];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  }

  /** A hash of a random password, made once, to spend the same work on unknown users. */
  #decoyHash(): Promise<string> {
    this.#decoy ??= this.#hasher.hash(randomUUID());
    return this.#decoy;
  }
}
