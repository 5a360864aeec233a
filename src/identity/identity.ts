// The identity services the composition root builds once: password checks, sessions
// (with their expiry sweep), API tokens, the login rate limiter, and the first admin.
import type { Store } from '../store/types.ts';
import { ApiTokens } from './api-tokens.ts';
import { ensureFirstAdmin, type FirstAdmin } from './bootstrap-admin.ts';
import { scryptHasher, type PasswordHasher } from './passwords.ts';
import { LoginRateLimiter, type LoginRateLimits } from './rate-limit.ts';
import { SessionStore } from './sessions.ts';
import { UserPasswords } from './users.ts';

export interface IdentityOptions {
  store: Store;
  dataDir: string;
  /** Default: scrypt with `defaultScryptParams`. */
  hasher?: PasswordHasher;
  /** Absolute session lifetime; default 12 h. */
  sessionTtlMs?: number;
  loginLimits?: Partial<LoginRateLimits>;
  /** Hears failures of the background session sweep. */
  onError: (err: unknown) => void;
}

export interface Identity {
  sessions: SessionStore;
  passwords: UserPasswords;
  tokens: ApiTokens;
  rateLimiter: LoginRateLimiter;
  firstAdmin: FirstAdmin;
  /** Stops the session sweep. */
  stop(): void;
}

/** Build the identity services, create the first admin if there is no User, start the sweep. */
export async function startIdentity(opts: IdentityOptions): Promise<Identity> {
  const { store } = opts;
  const passwords = new UserPasswords({ store, hasher: opts.hasher ?? scryptHasher() });
  const sessions = new SessionStore({
    store,
    ...(opts.sessionTtlMs !== undefined ? { ttlMs: opts.sessionTtlMs } : {}),
  });
  const firstAdmin = await ensureFirstAdmin({ store, passwords, dataDir: opts.dataDir });
  await passwords.warmUp();
  await sessions.sweep();
  sessions.startSweeper(opts.onError);
  return {
    sessions,
    passwords,
    tokens: new ApiTokens({ store }),
    rateLimiter: new LoginRateLimiter(opts.loginLimits ? { limits: opts.loginLimits } : {}),
    firstAdmin,
    stop: () => sessions.stopSweeper(),
  };
}
