// API tokens: `slw_<prefix>_<secret>` bearer tokens for scripts and the CLI. The APIToken
// object (cluster-scoped) carries the user, expiry and revocation; the 8-hex-character
// prefix is its label `slipway.dev/token-prefix` and `status.prefix`; the SHA-256 of the
// whole token sits in the internal Secret `slipway-system/apitoken-<name>` owned by the
// APIToken (deleted with it by the garbage collector). The token itself is returned once,
// in the response to the create, and stored nowhere. A fast hash suffices (as for
// GitHub's tokens): the secret is 256 random bits, not a guessable password.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ApiVersion,
  SlipwayError,
  StatusReason,
  SystemNamespace,
  invalid,
  isPlainObject,
  isSlipwayError,
  type AnyResource,
} from '../api/index.ts';
import type { APIToken } from '../api/kinds/api-token.ts';
import { SecretTypes, type Secret } from '../api/kinds/secret.ts';
import type { Store } from '../store/types.ts';
import type { User } from '../api/kinds/user.ts';
import { AdminGroup, findUser, isActive, type Principal } from './users.ts';

export const tokenPrefixLabel = 'slipway.dev/token-prefix';
const tokenPattern = /^slw_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;
/** lastUsedTime is written at most this often per token. */
const lastUsedIntervalMs = 60_000;
/** How many verified tokens are remembered (digest → APIToken name and uid). */
const verifiedCacheSize = 10_000;
const secretNamePrefix = 'apitoken-';

export function tokenSecretName(tokenName: string): string {
  return `${secretNamePrefix}${tokenName}`;
}

/** False when the token was made for an earlier User of the same name. */
function ownedBy(token: StoredToken, user: User): boolean {
  const owner = token.metadata.ownerReferences?.find(
    (ref) => ref.kind === 'User' && ref.name === user.metadata.name,
  );
  return owner === undefined || owner.uid === user.metadata.uid;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A fresh token and its public prefix. */
export function generateToken(): { token: string; prefix: string } {
  const prefix = randomBytes(4).toString('hex');
  return { prefix, token: `slw_${prefix}_${randomBytes(32).toString('base64url')}` };
}

/** Whether a bearer credential looks like an API token (and is worth a store lookup). */
export function isApiTokenFormat(token: string): boolean {
  return tokenPattern.test(token);
}

type StoredToken = APIToken & AnyResource;

export interface ApiTokensOptions {
  store: Store;
  now?: () => number;
}

/** Issues and checks API tokens. */
export class ApiTokens {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #lastWritten = new Map<string, number>();
  /**
   * Tokens already matched against their stored hash: SHA-256 (hex) → the APIToken's
   * name and uid. Finding a token by its prefix label means reading every APIToken (label
   * selectors are evaluated in process), so a known token is read by name instead; the
   * object is still read on every request, so revocation, expiry and deletion count at once.
   */
  readonly #verified = new Map<string, { name: string; uid: string | undefined }>();

  constructor(opts: ApiTokensOptions) {
    this.#store = opts.store;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * Prepare a create of an APIToken by `caller`: `spec.user` defaults to the caller and
   * must be the caller unless they are an admin; the token is owned by that User (deleted
   * with it); a prefix is drawn and labelled. Returns the body to admit and `issue`,
   * which — once the object is stored — writes the hash and returns the object to answer
   * with, its `status.token` set (that answer only).
   */
  async prepareCreate(
    body: unknown,
    caller: Principal | undefined,
    dryRun: boolean,
  ): Promise<{ body: unknown; issue: (created: AnyResource) => Promise<AnyResource> }> {
    if (!isPlainObject(body)) return { body, issue: (created) => Promise.resolve(created) };
    const metadata = isPlainObject(body['metadata']) ? body['metadata'] : {};
    const spec = isPlainObject(body['spec']) ? body['spec'] : {};
    const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
    const isAdmin = caller?.groups.includes(AdminGroup) === true;
    if (spec['user'] === undefined && caller !== undefined) spec['user'] = caller.username;
    if (!isAdmin && caller !== undefined && spec['user'] !== caller.username) {
      throw new SlipwayError(
        StatusReason.Forbidden,
        `apitokens.slipway.dev "${name}" is forbidden: spec.user: only administrators may create tokens for other users (you are "${caller.username}")`,
      );
    }
    const longest = 253 - secretNamePrefix.length;
    const generateName =
      typeof metadata['generateName'] === 'string' ? metadata['generateName'] : '';
    if (name.length > longest || generateName.length + 5 > longest) {
      throw invalid('APIToken', name, [
        {
          field: 'metadata.name',
          message: `must be at most ${longest} characters long`,
          reason: 'FieldValueTooLong',
        },
      ]);
    }
    const { token, prefix } = generateToken();
    const labels = isPlainObject(metadata['labels']) ? metadata['labels'] : {};
    labels[tokenPrefixLabel] = prefix;
    metadata['labels'] = labels;
    const owner =
      typeof spec['user'] === 'string' ? await findUser(this.#store, spec['user']) : undefined;
    if (owner?.metadata.uid !== undefined) {
      const owners = Array.isArray(metadata['ownerReferences']) ? metadata['ownerReferences'] : [];
      owners.push({
        apiVersion: ApiVersion,
        kind: 'User',
        name: owner.metadata.name,
        uid: owner.metadata.uid,
      });
      metadata['ownerReferences'] = owners;
    }
    body['metadata'] = metadata;
    body['spec'] = spec;
    return {
      body,
      issue: async (created) => {
        if (dryRun) return created;
        const stored = await this.#issue(created as StoredToken, token, prefix);
        return { ...stored, status: { ...stored.status, token } };
      },
    };
  }

  async #issue(created: StoredToken, token: string, prefix: string): Promise<StoredToken> {
    const secret: Secret & AnyResource = {
      apiVersion: ApiVersion,
      kind: 'Secret',
      metadata: {
        name: tokenSecretName(created.metadata.name),
        namespace: SystemNamespace,
        ownerReferences: [
          {
            apiVersion: ApiVersion,
            kind: 'APIToken',
            name: created.metadata.name,
            uid: created.metadata.uid ?? '',
            blockOwnerDeletion: true,
          },
        ],
      },
      type: SecretTypes.APITokenHash,
      data: { sha256: sha256(token).toString('base64') },
    };
    try {
      await this.#createHashSecret(secret);
      return await this.#store.updateStatus<StoredToken>({
        ...created,
        status: { prefix },
      });
    } catch (err: unknown) {
      // A token without its hash can never authenticate; do not leave it behind.
      await this.#store.delete('APIToken', undefined, created.metadata.name).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Store the hash. A Secret of that name left by a deleted token of the same name (the
   * garbage collector removes it soon, but maybe not yet) is replaced; one that belongs
   * to a live token is not.
   */
  async #createHashSecret(secret: Secret & AnyResource) {
    try {
      await this.#store.create(secret);
      return;
    } catch (err: unknown) {
      if (!isSlipwayError(err, StatusReason.AlreadyExists)) throw err;
    }
    const existing = await this.#store.get('Secret', SystemNamespace, secret.metadata.name);
    const owner = existing.metadata.ownerReferences?.find((ref) => ref.kind === 'APIToken');
    const ownerAlive =
      owner !== undefined && (await this.#getToken(owner.name))?.metadata.uid === owner.uid;
    if (ownerAlive) {
      throw new Error(`Secret ${SystemNamespace}/${secret.metadata.name} belongs to another token`);
    }
    await this.#store.delete('Secret', SystemNamespace, secret.metadata.name, {
      ...(existing.metadata.uid !== undefined ? { uid: existing.metadata.uid } : {}),
    });
    await this.#store.create(secret);
  }

  /**
   * The user an API token belongs to, or undefined: unknown, malformed, revoked, expired,
   * being deleted, or its user missing or disabled. Notes the use in `status.lastUsedTime`
   * (at most once a minute per token).
   */
  async authenticate(token: string): Promise<User | undefined> {
    const match = tokenPattern.exec(token);
    if (!match) return undefined;
    const prefix = match[1] ?? '';
    const digest = sha256(token);
    const key = digest.toString('hex');
    const known = this.#verified.get(key);
    if (known !== undefined) {
      const current = await this.#getToken(known.name);
      if (current !== undefined && current.metadata.uid === known.uid) return this.#userOf(current);
      // Deleted, or its name reused by another token: look it up afresh.
      this.#verified.delete(key);
    }
    const { items } = await this.#store.list<StoredToken>('APIToken', {
      labelSelector: `${tokenPrefixLabel}=${prefix}`,
    });
    for (const candidate of items) {
      const stored = await this.#storedHash(candidate.metadata.name);
      if (
        stored === undefined ||
        stored.length !== digest.length ||
        !timingSafeEqual(stored, digest)
      )
        continue;
      this.#remember(key, candidate);
      return this.#userOf(candidate);
    }
    return undefined;
  }

  /** The token's user when the token may be used now; notes the use. */
  async #userOf(token: StoredToken): Promise<User | undefined> {
    if (!this.#usable(token)) return undefined;
    const user = await findUser(this.#store, token.spec.user);
    if (!isActive(user) || !ownedBy(token, user)) return undefined;
    await this.#noteUse(token);
    return user;
  }

  #remember(key: string, token: StoredToken): void {
    if (this.#verified.size >= verifiedCacheSize) {
      // Maps keep insertion order: the oldest entry goes first.
      const oldest = this.#verified.keys().next().value;
      if (oldest !== undefined) this.#verified.delete(oldest);
    }
    this.#verified.set(key, { name: token.metadata.name, uid: token.metadata.uid });
  }

  async #getToken(name: string): Promise<StoredToken | undefined> {
    try {
      return await this.#store.get<StoredToken>('APIToken', undefined, name);
    } catch (err: unknown) {
      if (isSlipwayError(err, StatusReason.NotFound)) return undefined;
      throw err;
    }
  }

  #usable(token: StoredToken): boolean {
    if (token.spec.revoked === true || token.metadata.deletionTimestamp !== undefined) return false;
    if (token.spec.expiresAt !== undefined) {
      const expiry = Date.parse(token.spec.expiresAt);
      if (Number.isNaN(expiry) || expiry <= this.#now()) return false;
    }
    return true;
  }

  async #storedHash(tokenName: string): Promise<Buffer | undefined> {
    try {
      const secret = await this.#store.get<Secret & AnyResource>(
        'Secret',
        SystemNamespace,
        tokenSecretName(tokenName),
      );
      const value = secret.type === SecretTypes.APITokenHash ? secret.data?.['sha256'] : undefined;
      return value === undefined ? undefined : Buffer.from(value, 'base64');
    } catch (err: unknown) {
      if (isSlipwayError(err, StatusReason.NotFound)) return undefined;
      throw err;
    }
  }

  /** Best effort: a lost race or a failed write must not fail the request it serves. */
  async #noteUse(token: StoredToken): Promise<void> {
    const now = this.#now();
    const name = token.metadata.name;
    const last = Math.max(
      this.#lastWritten.get(name) ?? 0,
      Date.parse(token.status?.lastUsedTime ?? '') || 0,
    );
    if (now - last < lastUsedIntervalMs) return;
    this.#lastWritten.set(name, now);
    try {
      await this.#store.updateStatus<StoredToken>({
        ...token,
        status: { ...token.status, lastUsedTime: new Date(now).toISOString() },
      });
    } catch {
      // Conflict with a concurrent write, or the token just deleted: the next use retries.
      this.#lastWritten.delete(name);
    }
  }
}
