// Proxmox authentication: API tokens, or a ticket from a user name and password.
//
// A token goes in every request as `Authorization: PVEAPIToken=user@realm!name=secret`
// and needs no CSRF token. A ticket comes from POST /access/ticket and goes back as the
// PVEAuthCookie cookie; every request other than GET must also carry the
// CSRFPreventionToken header from the same answer. Tickets live 2 hours, so one older
// than 90 minutes is replaced before use, and a 401 (the server restarted with a new
// key, say) gets one fresh login. Logins are shared: many calls that need a ticket at
// once wait for one POST. Users with two-factor authentication get a half ticket that
// only a second factor completes; that is refused with a hint to use a token.
import type { ProxmoxAuth } from './connection.ts';
import { ProxmoxApiError } from './errors.ts';
import { abortReason } from './retry.ts';
import type { HttpMethod } from './transport.ts';

/** What POST /access/ticket answers (the part used). */
export interface TicketAnswer {
  ticket?: unknown;
  CSRFPreventionToken?: unknown;
  NeedTFA?: unknown;
}

/** Headers for one request, and the credential they carry (to invalidate it on a 401). */
export interface Credentials {
  headers: Record<string, string>;
  /** The ticket used, for ticket sessions. */
  ticket?: string;
}

export interface AuthSession {
  /** Headers that authenticate a request with `method`; may log in first. */
  credentials(method: HttpMethod, signal?: AbortSignal): Promise<Credentials>;
  /** Whether a 401 on a request sent with `used` is worth one fresh login. */
  renewAfterUnauthorized(used: Credentials): boolean;
  /** Every secret string this session holds now, to keep them out of messages. */
  secrets(): string[];
}

/** Proxmox tickets are valid for 2 hours; renew well before. */
export const ticketRenewAfterMs = 90 * 60 * 1000;

/** A session for API-token auth: one fixed header. */
export function tokenSession(auth: Extract<ProxmoxAuth, { type: 'token' }>): AuthSession {
  const headers = { authorization: `PVEAPIToken=${auth.tokenId}=${auth.secret}` };
  return {
    credentials: () => Promise.resolve({ headers }),
    renewAfterUnauthorized: () => false,
    secrets: () => [auth.secret],
  };
}

interface Ticket {
  ticket: string;
  csrf: string;
  obtainedAt: number;
}

/** A session for password auth: logs in with `login` and keeps the ticket. */
export class TicketSession implements AuthSession {
  readonly #auth: Extract<ProxmoxAuth, { type: 'password' }>;
  readonly #login: (username: string, password: string) => Promise<TicketAnswer>;
  readonly #now: () => number;
  #current: Ticket | undefined;
  #pending: Promise<Ticket> | undefined;
  #previous: string[] = [];

  constructor(
    auth: Extract<ProxmoxAuth, { type: 'password' }>,
    login: (username: string, password: string) => Promise<TicketAnswer>,
    now: () => number,
  ) {
    this.#auth = auth;
    this.#login = login;
    this.#now = now;
  }

  async credentials(method: HttpMethod, signal?: AbortSignal): Promise<Credentials> {
    let ticket = this.#current;
    if (!ticket || this.#now() - ticket.obtainedAt >= ticketRenewAfterMs) {
      ticket = await untilAborted(this.#renew(ticket), signal);
    }
    const headers: Record<string, string> = {
      cookie: `PVEAuthCookie=${encodeURIComponent(ticket.ticket)}`,
    };
    if (method !== 'GET') headers.csrfpreventiontoken = ticket.csrf;
    return { headers, ticket: ticket.ticket };
  }

  renewAfterUnauthorized(used: Credentials): boolean {
    if (used.ticket === undefined) return false;
    if (this.#current?.ticket === used.ticket) this.#current = undefined;
    return true;
  }

  secrets(): string[] {
    const current = this.#current ? [this.#current.ticket, this.#current.csrf] : [];
    return [this.#auth.password, ...current, ...this.#previous];
  }

  /** Starts a login unless one is under way or another caller already renewed `stale`. */
  #renew(stale: Ticket | undefined): Promise<Ticket> {
    if (this.#current && this.#current !== stale) return Promise.resolve(this.#current);
    this.#pending ??= this.#logIn().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #logIn(): Promise<Ticket> {
    const answer = await this.#login(this.#auth.username, this.#auth.password);
    if (answer.NeedTFA) {
      throw new ProxmoxApiError({
        kind: 'authentication',
        method: 'POST',
        path: '/access/ticket',
        detail: `${this.#auth.username} has two-factor authentication; use an API token`,
      });
    }
    if (typeof answer.ticket !== 'string' || typeof answer.CSRFPreventionToken !== 'string') {
      throw new ProxmoxApiError({
        kind: 'other',
        method: 'POST',
        path: '/access/ticket',
        detail: 'the answer has no ticket and CSRFPreventionToken',
      });
    }
    if (this.#current) this.#previous = [this.#current.ticket, this.#current.csrf];
    this.#current = {
      ticket: answer.ticket,
      csrf: answer.CSRFPreventionToken,
      obtainedAt: this.#now(),
    };
    return this.#current;
  }
}

/** Waits for `promise`, but gives up with the signal's reason when it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
