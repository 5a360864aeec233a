// Password hashing with scrypt (node:crypto): a random 16-byte salt per hash, the cost
// parameters written into the encoded hash so they can be raised later without
// invalidating stored hashes, and a constant-time comparison. Hand-written on top of
// node:crypto rather than a library: scrypt is built in and the encoding is a few lines.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { invalid, type FieldCause } from '../api/index.ts';

/** scrypt cost parameters: N = 2^logN, block size r, parallelism p. */
export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

/**
 * One of OWASP's equivalent minimums for scrypt (N=2^15, r=8, p=3): the same work as
 * N=2^17, p=1 but 32 MiB of memory per hash instead of 128, so concurrent logins stay cheap.
 */
export const defaultScryptParams: ScryptParams = { logN: 15, r: 8, p: 3 };

export const minPasswordLength = 12;
/** Longer passwords are refused so that one request cannot make hashing expensive. */
export const maxPasswordLength = 1024;

const saltBytes = 16;
const keyBytes = 32;

/** Hashes and checks passwords; injectable so tests can count or speed up the work. */
export interface PasswordHasher {
  /** An encoded hash (`$scrypt$ln=17,r=8,p=1$<salt>$<hash>`, base64 without padding). */
  hash(password: string): Promise<string>;
  /** True when the password matches the encoded hash; false also for a malformed hash. */
  verify(password: string, encoded: string): Promise<boolean>;
  /** True when the hash was made with weaker parameters than this hasher's (rehash it). */
  needsRehash?(encoded: string): boolean;
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = {
    N,
    r: params.r,
    p: params.p,
    // scrypt needs 128·N·r bytes; Node's default limit (32 MiB) is below the default cost.
    maxmem: 256 * N * params.r,
  };
  return new Promise((resolve, reject) => {
    // The callback form runs on the libuv thread pool, so the event loop keeps serving.
    scrypt(password.normalize('NFC'), salt, keyBytes, options, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

const encodedPattern =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** The parameters, salt and key of an encoded hash, or undefined when it is not one. */
export function decodePasswordHash(
  encoded: string,
): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const match = encodedPattern.exec(encoded);
  if (!match) return undefined;
  const [, logN, r, p, salt, key] = match;
  const params = { logN: Number(logN), r: Number(r), p: Number(p) };
  // Bounds keep a tampered hash from asking for gigabytes of memory.
  if (params.logN < 1 || params.logN > 20 || params.r < 1 || params.r > 32 || params.p < 1)
    return undefined;
  return {
    params,
    salt: Buffer.from(salt ?? '', 'base64'),
    key: Buffer.from(key ?? '', 'base64'),
  };
}

/** The scrypt PasswordHasher with these cost parameters (default: `defaultScryptParams`). */
export function scryptHasher(params: ScryptParams = defaultScryptParams): PasswordHasher {
  return {
    async hash(password) {
      const salt = randomBytes(saltBytes);
      const key = await derive(password, salt, params);
      const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
      return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
    },
    async verify(password, encoded) {
      const decoded = decodePasswordHash(encoded);
      if (decoded === undefined || decoded.key.length === 0) return false;
      const key = await derive(password, decoded.salt, decoded.params);
      return key.length === decoded.key.length && timingSafeEqual(key, decoded.key);
    },
    needsRehash: (encoded) => needsRehash(encoded, params),
  };
}

/** True when the hash was made with weaker parameters than `params` (rehash at next login). */
export function needsRehash(encoded: string, params: ScryptParams = defaultScryptParams): boolean {
  const decoded = decodePasswordHash(encoded);
  if (decoded === undefined) return true;
  const { logN, r, p } = decoded.params;
  return logN < params.logN || r < params.r || p < params.p;
}

/** What is wrong with a new password under the policy, or undefined when it is acceptable. */
export function passwordPolicyViolation(password: unknown): string | undefined {
  if (typeof password !== 'string') return 'must be a string';
  const length = [...password.normalize('NFC')].length;
  if (length < minPasswordLength)
    return `must be at least ${minPasswordLength} characters long (got ${length})`;
  if (length > maxPasswordLength) return `must be at most ${maxPasswordLength} characters long`;
  return undefined;
}

/** Throws an Invalid error naming `field` when the password breaks the policy. */
export function checkPasswordPolicy(
  password: unknown,
  field = 'password',
  subject = { kind: 'User', name: '' },
): asserts password is string {
  const problem = passwordPolicyViolation(password);
  if (problem === undefined) return;
  const cause: FieldCause = { field, message: problem, reason: 'FieldValueInvalid' };
  throw invalid(subject.kind, subject.name, [cause]);
}
