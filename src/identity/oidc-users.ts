// How an OIDC account becomes a User: its name from a claim (a valid object name or the
// login is refused), its groups from the group claim (replacing `spec.groups` at every
// login; `system:` groups dropped, `spec.admin` never touched), and a link by annotations
// to the provider's account, so that a provider cannot sign anyone in as an existing
// local user (e.g. `admin`) by handing out that user name.
import {
  ApiVersion,
  StatusReason,
  dns1123SubdomainError,
  isSlipwayError,
  type AnyResource,
} from '../api/index.ts';
import type { User } from '../api/kinds/user.ts';
import type { Store } from '../store/types.ts';
import { OidcLoginError } from './oidc-errors.ts';
import { findUser } from './users.ts';

/** Annotations that tie a User to one account of one provider. */
export const OidcAnnotations = {
  issuer: 'slipway.dev/oidc-issuer',
  subject: 'slipway.dev/oidc-subject',
} as const;

/** Group names from a claim value; `system:` groups are dropped (they are Slipway's own). */
export function groupsFromClaim(value: unknown): string[] {
  const values = Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value];
  const groups = values.filter(
    (g): g is string => typeof g === 'string' && g !== '' && !g.startsWith('system:'),
  );
  return [...new Set(groups)].sort();
}

/** The User name in `claim` (falling back to `sub`); refused unless a valid object name. */
export function usernameFromClaims(claims: Record<string, unknown>, claim: string): string {
  const value = claims[claim] ?? claims['sub'];
  if (typeof value !== 'string' || value === '')
    throw new OidcLoginError('forbidden', `the ID token has no "${claim}" or "sub" claim`);
  const problem = dns1123SubdomainError(value);
  if (problem !== undefined)
    throw new OidcLoginError(
      'forbidden',
      `the user name "${value}" from claim "${claim}" is not a valid User name: ${problem}`,
    );
  return value;
}

export interface OidcAccount {
  name: string;
  issuer: string;
  subject: string;
  groups: string[];
  /** For the profile: `name` → displayName, `email` → email. */
  claims: Record<string, unknown>;
}

/**
 * The User an account signs in as: created on first login, updated afterwards; refused
 * (403) when the User exists but is not linked to this account, or is disabled.
 */
export async function signInOidcUser(store: Store, account: OidcAccount): Promise<User> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await upsertUser(store, account);
    } catch (err: unknown) {
      const raced =
        isSlipwayError(err, StatusReason.Conflict) ||
        isSlipwayError(err, StatusReason.AlreadyExists);
      if (!raced || attempt >= 3) throw err;
    }
  }
}

async function upsertUser(store: Store, account: OidcAccount): Promise<User> {
  const { name, issuer, subject, groups, claims } = account;
  const existing = await findUser(store, name);
  const profile: Partial<User['spec']> = {};
  if (typeof claims['name'] === 'string') profile.displayName = claims['name'];
  if (typeof claims['email'] === 'string') profile.email = claims['email'];
  if (existing === undefined) {
    return store.create<User & AnyResource>({
      apiVersion: ApiVersion,
      kind: 'User',
      metadata: {
        name,
        annotations: { [OidcAnnotations.issuer]: issuer, [OidcAnnotations.subject]: subject },
      },
      spec: { ...profile, groups },
    });
  }
  const annotations = existing.metadata.annotations ?? {};
  if (
    annotations[OidcAnnotations.issuer] !== issuer ||
    annotations[OidcAnnotations.subject] !== subject
  )
    throw new OidcLoginError(
      'forbidden',
      `user "${name}" exists and is not linked to this ${issuer} account; an administrator can link it with the annotations ${OidcAnnotations.issuer} and ${OidcAnnotations.subject}`,
    );
  if (existing.spec.disabled === true || existing.metadata.deletionTimestamp !== undefined)
    throw new OidcLoginError('forbidden', `user "${name}" is disabled`);
  const spec = { ...existing.spec, ...profile, groups };
  if (JSON.stringify(spec) === JSON.stringify(existing.spec)) return existing;
  return store.update<User & AnyResource>({ ...(existing as User & AnyResource), spec });
}
