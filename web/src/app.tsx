// The dashboard: sign-in gate, then the page the path names inside the layout.
import { useEffect } from 'react';
import { AuthProvider, useAuth } from './auth.tsx';
import { Layout } from './layout.tsx';
import { LoginPage } from './pages/login.tsx';
import { defaultProject, rememberProject } from './projects.tsx';
import { matchPath, navigate, usePath } from './router.tsx';
import { clustersPath, routes } from './routes.tsx';
import type { WhoAmI } from './api/types.ts';
import { Notice } from './components/notice.tsx';

function findRoute(path: string) {
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return undefined;
}

function SignedIn({ user }: { user: WhoAmI }) {
  const path = usePath();
  const found = findRoute(path);
  const project = found?.params['project'];
  const start = defaultProject(user);

  useEffect(() => {
    if ((path === '/' || path === '/login') && start !== undefined) {
      navigate(clustersPath(start), { replace: true });
    }
  }, [path, start]);
  useEffect(() => {
    if (project !== undefined) rememberProject(project);
  }, [project]);
  useEffect(() => {
    document.title = found ? `${found.route.title} · Slipway` : 'Slipway';
  }, [found]);

  let page;
  if (found && found.route.admin && !user.admin) {
    page = <Notice kind="error">This page is for administrators.</Notice>;
  } else if (found) {
    page = found.route.render(found.params);
  } else if (path === '/' || path === '/login') {
    page = (
      <Notice>
        You are not a member of any project yet. Ask an administrator to add you to one.
      </Notice>
    );
  } else {
    page = (
      <Notice kind="error">
        There is no page at <code>{path}</code>.
      </Notice>
    );
  }
  return (
    <Layout user={user} project={project} path={path}>
      {page}
    </Layout>
  );
}

function Gate() {
  const { state } = useAuth();
  if (state.status === 'loading') {
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }
  if (state.status === 'anonymous') return <LoginPage problem={state.error} />;
  return <SignedIn user={state.user} />;
}

export function App() {
  return (
    <AuthProvider>
      <Gate />
    </AuthProvider>
  );
}
