// Who is calling, as pveproxy decides it: an API token in the Authorization header
// (`PVEAPIToken=user@realm!tokenid=secret`), or a ticket from POST /access/ticket in the
// PVEAuthCookie cookie (or Authorization header), which for anything but GET also needs
// the CSRFPreventionToken header. Failures carry PVE's messages; the HTTP layer answers
// them 401 after a delay, as PVE does.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from './permission-check.ts';
import type { EmulatorToken, EmulatorUser } from './options.ts';

/** A 401 with PVE's text ("No ticket", "invalid token value!", …). */
export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

/** Tickets live two hours (PVE::AccessControl $ticket_lifetime). */
const ticketLifetimeSec = 2 * 3600;

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The value after `name=` (or `name `) in a Cookie or Authorization header. */
function authValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/;\s*/)) {
    const match = new RegExp(`^\\s*${name}[= ](.+)$`).exec(part);
    if (match?.[1]) {
      try {
        return decodeURIComponent(match[1].trim());
      } catch {
        return match[1].trim();
      }
    }
  }
  return undefined;
}

export interface Login {
  username: string;
  ticket: string;
  CSRFPreventionToken: string;
}

export class Authenticator {
  readonly #tokens: Map<string, EmulatorToken>;
  readonly #users: Map<string, EmulatorUser>;
  readonly #secret = randomBytes(32);

  constructor(tokens: readonly EmulatorToken[], users: readonly EmulatorUser[]) {
    this.#tokens = new Map(tokens.map((t) => [t.tokenId, t]));
    this.#users = new Map(users.map((u) => [u.username, u]));
  }

  #sign(text: string): string {
    return createHmac('sha256', this.#secret).update(text).digest('base64');
  }

  /** POST /access/ticket: a password (or a still valid ticket) for a ticket and CSRF token. */
  login(username: string, password: string): Login {
    const user = this.#users.get(username);
    const renewing = this.#verifyTicket(password, false) === username;
    if (!renewing && (!user || !sameText(user.password, password))) {
      throw new AuthError('authentication failure');
    }
    const stamp = hex8(Math.floor(Date.now() / 1000));
    const plain = `PVE:${username}:${stamp}`;
    return {
      username,
      ticket: `${plain}::${this.#sign(plain)}`,
      CSRFPreventionToken: `${stamp}:${this.#sign(`${stamp}${username}`)}`,
    };
  }

  /** The user a ticket is for; throws (or returns undefined with !raise) when invalid. */
  #verifyTicket(ticket: string, raise = true): string | undefined {
    const match = /^PVE:([^:]+):([0-9A-F]{8})::(.+)$/.exec(ticket);
    const fail = () => {
      if (raise) throw new AuthError('permission denied - invalid PVE ticket');
      return undefined;
    };
    if (!match) return fail();
    const [, username = '', stamp = '', signature = ''] = match;
    if (!sameText(signature, this.#sign(`PVE:${username}:${stamp}`))) return fail();
    const age = Date.now() / 1000 - parseInt(stamp, 16);
    if (age > ticketLifetimeSec || age < -300) return fail();
    if (!this.#users.has(username)) return fail();
    return username;
  }

  #verifyCsrf(username: string, token: string | undefined): void {
    const match = token ? /^([0-9A-F]{8}):(\S+)$/.exec(token) : null;
    const valid =
      match !== null &&
      sameText(match[2] ?? '', this.#sign(`${match[1] ?? ''}${username}`)) &&
      Date.now() / 1000 - parseInt(match[1] ?? '0', 16) <= ticketLifetimeSec;
    if (!valid) throw new AuthError('Permission denied - invalid csrf token');
  }

  #verifyToken(value: string): Caller {
    const eq = value.lastIndexOf('=');
    if (eq < 0) throw new AuthError('no tokenid specified');
    const tokenId = value.slice(0, eq);
    const secret = value.slice(eq + 1);
    const split = /^([^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+)!([A-Za-z][A-Za-z0-9.\-_]+)$/.exec(tokenId);
    if (!split) {
      throw new AuthError(
        `'${tokenId}' is not a valid token ID - not able to split into user and token parts`,
      );
    }
    const token = this.#tokens.get(tokenId);
    if (!token) {
      const userKnown = [...this.#tokens.keys()].some((id) => id.startsWith(`${split[1]}!`));
      throw new AuthError(
        userKnown
          ? `no such token '${split[2] ?? ''}' for user '${split[1] ?? ''}'`
          : `no such user ('${split[1] ?? ''}')`,
      );
    }
    if (!sameText(token.secret, secret)) throw new AuthError('invalid token value!');
    return { userid: tokenId, privileges: token.privileges ?? 'all' };
  }

  /**
   * The caller of a request below /api2/json. `csrfExempt` is set for uploads, which
   * pveproxy lets through without the CSRF header (it checks the privilege instead).
   */
  authenticate(headers: IncomingHttpHeaders, method: string, csrfExempt: boolean): Caller {
    const authorization = headers.authorization;
    const ticket =
      authValue(headers.cookie, 'PVEAuthCookie') ?? authValue(authorization, 'PVEAuthCookie');
    if (ticket === undefined) {
      const token = authValue(authorization, 'PVEAPIToken');
      if (token !== undefined) return this.#verifyToken(token);
      throw new AuthError('No ticket');
    }
    const username = this.#verifyTicket(ticket) ?? '';
    if (method !== 'GET' && !csrfExempt) {
      const csrf = headers['csrfpreventiontoken'];
      this.#verifyCsrf(username, Array.isArray(csrf) ? csrf[0] : csrf);
    }
    const user = this.#users.get(username);
    return { userid: username, privileges: user?.privileges ?? 'all' };
  }
}
