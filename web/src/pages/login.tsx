// Sign in with a password, or through the OIDC provider when the server has one.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, apiJson } from '../api/client.ts';
import type { AuthConfig } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { ErrorNotice } from '../components/notice.tsx';

export function LoginPage(props: { problem?: ApiError | undefined }) {
  const { login } = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | undefined>(props.problem);
  const [busy, setBusy] = useState(false);
  const [config, setConfig] = useState<AuthConfig | undefined>();

  useEffect(() => {
    apiJson<AuthConfig>('GET', '/auth/config').then(setConfig, () => setConfig(undefined));
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await login(username, password);
    } catch (err: unknown) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="login">
      <h1>Slipway</h1>
      <form onSubmit={(event) => void submit(event)} aria-labelledby="login-title">
        <h2 id="login-title">Sign in</h2>
        <ErrorNotice error={error} />
        {config?.password !== false && (
          <>
            <label htmlFor="login-username">User name</label>
            <input
              id="login-username"
              name="username"
              autoComplete="username"
              required
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
            <label htmlFor="login-password">Password</label>
            <input
              id="login-password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <button type="submit" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </>
        )}
        {config?.oidc.enabled && (
          <a className="button secondary" href="/auth/oidc/login">
            Sign in with {config.oidc.name ?? 'single sign-on'}
          </a>
        )}
      </form>
    </main>
  );
}
