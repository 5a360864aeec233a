// Who is signed in: whoami at start, login and logout, and what the caller may do in a
// namespace (from the project roles whoami lists). The server decides for real; this
// only hides what it would refuse.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiError, apiJson, onUnauthorized, setCsrfToken } from './api/client.ts';
import type { ProjectRole, WhoAmI } from './api/types.ts';

export type AuthState =
  | { status: 'loading' }
  | { status: 'anonymous'; error?: ApiError }
  | { status: 'signed-in'; user: WhoAmI };

export interface Auth {
  state: AuthState;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  /** Ask whoami again (after project changes). */
  refresh: () => Promise<void>;
}

interface LoginAnswer {
  csrfToken?: string;
}

const AuthContext = createContext<Auth | undefined>(undefined);

async function whoami(): Promise<AuthState> {
  try {
    const user = await apiJson<WhoAmI>('GET', '/auth/whoami');
    setCsrfToken(user.csrfToken);
    return { status: 'signed-in', user: { ...user, projects: user.projects ?? [] } };
  } catch (err: unknown) {
    if (err instanceof ApiError && err.status === 401) return { status: 'anonymous' };
    const error = err instanceof ApiError ? err : new ApiError(0, String(err));
    return { status: 'anonymous', error };
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });

  const refresh = useCallback(async () => setState(await whoami()), []);

  useEffect(() => {
    void refresh();
    return onUnauthorized(() => {
      setCsrfToken(undefined);
      // Say why only when someone was signed in (an expired or revoked session); the
      // other requests failing at the same moment leave that message alone.
      setState((previous) => {
        if (previous.status === 'anonymous') return previous;
        if (previous.status === 'loading') return { status: 'anonymous' };
        return {
          status: 'anonymous',
          error: new ApiError(401, 'Your session has ended. Sign in again.'),
        };
      });
    });
  }, [refresh]);

  const login = useCallback(
    async (username: string, password: string) => {
      const answer = await apiJson<LoginAnswer>('POST', '/auth/login', {
        body: { username, password },
      });
      setCsrfToken(answer.csrfToken);
      await refresh();
    },
    [refresh],
  );

  const logout = useCallback(async () => {
    try {
      await apiJson<unknown>('POST', '/auth/logout');
    } finally {
      setCsrfToken(undefined);
      setState({ status: 'anonymous' });
    }
  }, []);

  const value = useMemo(() => ({ state, login, logout, refresh }), [state, login, logout, refresh]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}

/** The signed-in user; only for pages rendered behind the login. */
export function useUser(): WhoAmI {
  const { state } = useAuth();
  if (state.status !== 'signed-in') throw new Error('useUser while not signed in');
  return state.user;
}

/** The caller's role in a namespace: `admin` everywhere for admins, else the project role. */
export function roleIn(user: WhoAmI, namespace: string): ProjectRole | 'admin' | undefined {
  if (user.admin) return 'admin';
  return user.projects.find((p) => p.name === namespace)?.role;
}

/** What the caller may do with clusters in a namespace (mirrors the server's RBAC table). */
export function clusterPermissions(user: WhoAmI, namespace: string) {
  const role = roleIn(user, namespace);
  const write = role === 'admin' || role === 'owner' || role === 'member';
  return { role, create: write, update: write, delete: write, kubeconfig: write };
}
