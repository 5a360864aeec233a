// OpenID Connect login (authorization code flow with PKCE S256, state and nonce) through
// openid-client, which does discovery, the code exchange and the ID token checks. A
// login maps the provider's account onto a User: created on first login, its
// `spec.groups` replaced by the group claim at every login (never `spec.admin`), and
// linked to the account by annotations so that a provider cannot sign someone in as an
// existing local user (e.g. `admin`) by choosing that user name.
//
// Pending logins (state, nonce, PKCE verifier) stay in this process's memory, keyed by a
// random id the browser holds in a short-lived cookie, and are used once: a callback
// that comes back a second time, or in another browser, is refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as client from 'openid-client';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import type { User } from '../api/kinds/user.ts';
import type { Store } from '../store/types.ts';
import { OidcLoginError } from './oidc-errors.ts';
import { groupsFromClaim, signInOidcUser, usernameFromClaims } from './oidc-users.ts';

export { OidcLoginError } from './oidc-errors.ts';
export { OidcAnnotations } from './oidc-users.ts';

export interface OidcSettings {
  /** Issuer URL; https, or http on a loopback address only. */
  issuer: string;
  clientId: string;
  /** Absent for a public client (PKCE alone). */
  clientSecret?: string;
  /** This server's callback, registered at the provider: `${server}/auth/oidc/callback`. */
  redirectUrl: string;
  /** Claim holding the user name; default `preferred_username`, falling back to `sub`. */
  usernameClaim?: string;
  /** Claim holding the groups (an array of strings); default `groups`. */
  groupsClaim?: string;
  /** PEM CA certificate(s) to trust for the issuer (a private CA); default the system's. */
  caCert?: string;
  /** How long a started login may take; default 10 minutes. */
  pendingTtlMs?: number;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
}

interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  expiresAt: number;
}

/** A login just started: the browser keeps `id` (cookie) and goes to `url`. */
export interface StartedLogin {
  id: string;
  url: URL;
  expiresAt: Date;
}

const maxPending = 10_000;
const defaultPendingTtlMs = 10 * 60 * 1000;

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The issuer as a URL, refused unless https (or http on loopback, for a local provider). */
export function issuerUrl(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new Error(`--oidc-issuer: "${issuer}" is not a URL`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  throw new Error(
    `--oidc-issuer: "${issuer}" must use https (plain http is allowed only on a loopback address)`,
  );
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The OIDC login of one provider; create with `OidcLogin.discover`. */
export class OidcLogin {
  readonly #config: client.Configuration;
  readonly #settings: OidcSettings;
  readonly #store: Store;
  readonly #pending = new Map<string, PendingLogin>();
  readonly #scope: string;

  private constructor(config: client.Configuration, settings: OidcSettings, store: Store) {
    this.#config = config;
    this.#settings = settings;
    this.#store = store;
    const supported = config.serverMetadata().scopes_supported;
    const groupsClaim = settings.groupsClaim ?? 'groups';
    // Ask for the groups scope where the provider has one (many release the claim only then).
    const extra = supported?.includes(groupsClaim) ? [groupsClaim] : [];
    this.#scope = ['openid', 'profile', 'email', ...extra].join(' ');
  }

  /** Read the provider's discovery document and check the settings. */
  static async discover(settings: OidcSettings, store: Store): Promise<OidcLogin> {
    const issuer = issuerUrl(settings.issuer);
    try {
      new URL(settings.redirectUrl);
    } catch {
      throw new Error(`--oidc-redirect-url: "${settings.redirectUrl}" is not a URL`);
    }
    if (settings.clientId === '') throw new Error('--oidc-client-id must not be empty');
    const options: client.DiscoveryRequestOptions = {};
    if (settings.caCert !== undefined) {
      const dispatcher = new Agent({ connect: { ca: settings.caCert } });
      // openid-client calls fetch; undici's, given the CA through its dispatcher.
      options[client.customFetch] = (url, init) => {
        const request: UndiciRequestInit = {
          method: init.method,
          headers: init.headers,
          redirect: init.redirect,
          dispatcher,
        };
        if (init.body !== undefined) request.body = init.body;
        if (init.signal !== undefined) request.signal = init.signal;
        return undiciFetch(url, request);
      };
    }
    if (issuer.protocol === 'http:') options.execute = [client.allowInsecureRequests];
    const auth =
      settings.clientSecret === undefined
        ? client.None()
        : client.ClientSecretBasic(settings.clientSecret);
    let config: client.Configuration;
    try {
      config = await client.discovery(issuer, settings.clientId, undefined, auth, options);
    } catch (err: unknown) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`--oidc-issuer: discovery at ${issuer.href} failed: ${why}`);
    }
    return new OidcLogin(config, settings, store);
  }

  #now(): number {
    return (this.#settings.now ?? Date.now)();
  }

  /** Start a login: a pending entry and the provider's authorization URL. */
  async start(): Promise<StartedLogin> {
    this.#expirePending();
    const codeVerifier = client.randomPKCECodeVerifier();
    const pending: PendingLogin = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier,
      expiresAt: this.#now() + (this.#settings.pendingTtlMs ?? defaultPendingTtlMs),
    };
    const url = client.buildAuthorizationUrl(this.#config, {
      redirect_uri: this.#settings.redirectUrl,
      scope: this.#scope,
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    const id = randomBytes(32).toString('base64url');
    if (this.#pending.size >= maxPending) {
      const oldest = this.#pending.keys().next();
      if (oldest.done !== true) this.#pending.delete(oldest.value);
    }
    this.#pending.set(id, pending);
    return { id, url, expiresAt: new Date(pending.expiresAt) };
  }

  /**
   * Finish a login from the provider's redirect: `pendingId` from the browser's cookie,
   * `query` the callback's query string. Returns the User who signed in (created or
   * updated); the caller starts their session.
   */
  async finish(pendingId: string | undefined, query: string): Promise<User> {
    const pending = pendingId === undefined ? undefined : this.#pending.get(pendingId);
    if (pendingId !== undefined) this.#pending.delete(pendingId); // one use, whatever happens
    if (pending === undefined || pending.expiresAt <= this.#now())
      throw new OidcLoginError(
        'invalid',
        'no login is in progress in this browser (it expired, or this callback was already used); start again',
      );
    const callback = new URL(this.#settings.redirectUrl);
    callback.search = query;
    const state = callback.searchParams.get('state');
    if (state === null || !sameText(state, pending.state))
      throw new OidcLoginError(
        'invalid',
        'the login callback does not belong to this login (state mismatch)',
      );
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(this.#config, callback, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (idClaims === undefined) throw new Error('the provider returned no ID token');
      claims = { ...idClaims };
      if (this.#missingClaims(claims) && this.#config.serverMetadata().userinfo_endpoint) {
        const info = await client.fetchUserInfo(this.#config, tokens.access_token, idClaims.sub);
        claims = { ...info, ...idClaims };
      }
    } catch (err: unknown) {
      const why = err instanceof Error ? err.message : String(err);
      throw new OidcLoginError('invalid', `the identity provider's answer was refused: ${why}`);
    }
    return this.#signIn(claims);
  }

  #missingClaims(claims: Record<string, unknown>): boolean {
    const username = this.#settings.usernameClaim ?? 'preferred_username';
    return (
      claims[username] === undefined || claims[this.#settings.groupsClaim ?? 'groups'] === undefined
    );
  }

  #expirePending(): void {
    const now = this.#now();
    for (const [id, pending] of this.#pending)
      if (pending.expiresAt <= now) this.#pending.delete(id);
  }

  #signIn(claims: Record<string, unknown>): Promise<User> {
    const claim = this.#settings.usernameClaim ?? 'preferred_username';
    return signInOidcUser(this.#store, {
      name: usernameFromClaims(claims, claim),
      issuer: this.#config.serverMetadata().issuer,
      subject: String(claims['sub']),
      groups: groupsFromClaim(claims[this.#settings.groupsClaim ?? 'groups']),
      claims,
    });
  }
}

/** What `slipway server --oidc-*` says; files are read by `oidcSettings`. */
export interface OidcServerOptions {
  issuer: string;
  clientId: string;
  /** File holding the client secret (absent: a public client). */
  clientSecretFile?: string;
  /** Default `${serverUrl}/auth/oidc/callback`. */
  redirectUrl?: string;
  usernameClaim?: string;
  groupsClaim?: string;
  /** PEM CA certificate(s) for the issuer. */
  caFile?: string;
}

async function readOptionFile(flag: string, path: string): Promise<string> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (err: unknown) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`${flag}: cannot read ${path}: ${why}`);
  }
  if (text === '') throw new Error(`${flag}: ${path} is empty`);
  return text;
}

/**
 * The settings the server's options describe, with the secret and CA files read.
 * `serverUrl` (where browsers reach this server) gives the default redirect URL; without
 * it (port 0, or listening on every address) `--oidc-redirect-url` is required.
 */
export async function oidcSettings(
  opts: OidcServerOptions,
  serverUrl: string | undefined,
): Promise<OidcSettings> {
  const redirectUrl =
    opts.redirectUrl ?? (serverUrl === undefined ? undefined : `${serverUrl}/auth/oidc/callback`);
  if (redirectUrl === undefined)
    throw new Error(
      '--oidc-redirect-url is required when the server listens on port 0 or on every address',
    );
  const settings: OidcSettings = { issuer: opts.issuer, clientId: opts.clientId, redirectUrl };
  if (opts.clientSecretFile !== undefined)
    settings.clientSecret = await readOptionFile(
      '--oidc-client-secret-file',
      opts.clientSecretFile,
    );
  if (opts.caFile !== undefined)
    settings.caCert = await readOptionFile('--oidc-ca-file', opts.caFile);
  if (opts.usernameClaim !== undefined) settings.usernameClaim = opts.usernameClaim;
  if (opts.groupsClaim !== undefined) settings.groupsClaim = opts.groupsClaim;
  return settings;
}
