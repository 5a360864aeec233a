// The one error an OIDC login fails with, shared by the login flow and the User mapping.

/** Why a login failed: `invalid` (400: stale, replayed or forged callback) or `forbidden` (403). */
export class OidcLoginError extends Error {
  readonly kind: 'invalid' | 'forbidden';
  constructor(kind: 'invalid' | 'forbidden', message: string) {
    super(message);
    this.name = 'OidcLoginError';
    this.kind = kind;
  }
}
