// The frame around every signed-in page: skip link, header with the project switcher and
// the user's menu, navigation built from routes.tsx, and the page itself.
import { useState, type ReactNode } from 'react';
import type { WhoAmI } from './api/types.ts';
import { useAuth } from './auth.tsx';
import { ProjectSwitcher } from './projects.tsx';
import { buildPath, Link } from './router.tsx';
import { routes } from './routes.tsx';

function NavLinks(props: { user: WhoAmI; project: string | undefined; path: string }) {
  const entries = routes.filter((r) => r.nav !== undefined && (!r.admin || props.user.admin));
  return (
    <ul>
      {entries.map((route) => {
        const needsProject = route.path.includes(':project');
        if (needsProject && props.project === undefined) return null;
        const to = buildPath(route.path, { project: props.project ?? '' });
        const current = props.path === to || props.path.startsWith(`${to}/`);
        return (
          <li key={route.path}>
            <Link to={to} aria-current={current ? 'page' : undefined}>
              {route.nav}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

export function Layout(props: {
  user: WhoAmI;
  project: string | undefined;
  path: string;
  children: ReactNode;
}) {
  const { logout } = useAuth();
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Slipway
        </Link>
        <ProjectSwitcher user={props.user} current={props.project} path={props.path} />
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <div className="user-menu">
          <span className="user-name" title={props.user.groups.join(', ')}>
            {props.user.username}
            {props.user.admin ? ' (admin)' : ''}
          </span>
          <button type="button" className="secondary" onClick={() => void logout()}>
            Sign out
          </button>
        </div>
      </header>
      <nav
        id="main-nav"
        aria-label="Main"
        className={menuOpen ? 'open' : undefined}
        onClick={() => setMenuOpen(false)}
      >
        <NavLinks user={props.user} project={props.project} path={props.path} />
      </nav>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  );
}
