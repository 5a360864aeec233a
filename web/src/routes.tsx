// Every page of the dashboard and the navigation, in one list. To add a page, append a
// route; give it `nav` to show it in the navigation. Patterns with `:project` are pages
// of the selected project (the switcher swaps that segment); `admin` pages are listed
// for administrators only.
import type { ReactNode } from 'react';
import { ClusterCreatePage } from './pages/cluster-create.tsx';
import { ClusterDetailPage } from './pages/cluster-detail.tsx';
import { ClustersPage } from './pages/clusters.tsx';
// Admin and account pages (pages/admin, pages/account).
import { AccountPage } from './pages/account/account.tsx';
import { AuditPage } from './pages/admin/audit.tsx';
import { IPPoolsPage } from './pages/admin/ip-pools.tsx';
import * as adminPaths from './pages/admin/paths.ts';
import { ProjectDetailPage } from './pages/admin/project-detail.tsx';
import { ProjectsPage } from './pages/admin/projects.tsx';
import { TemplatesPage } from './pages/admin/templates.tsx';
import { UsersPage } from './pages/admin/users.tsx';

export interface PageRoute {
  /** Path pattern; `:name` segments become params. The first match wins. */
  path: string;
  /** Page title (document title and heading of the navigation entry). */
  title: string;
  render(params: Record<string, string>): ReactNode;
  /** Label in the navigation; absent for pages reached from other pages. */
  nav?: string;
  /** Shown to administrators only (the server refuses others anyway). */
  admin?: boolean;
}

/** Path of a project's cluster list: where the dashboard starts. */
export const clustersPath = (project: string) =>
  `/projects/${encodeURIComponent(project)}/clusters`;

export const routes: PageRoute[] = [
  {
    path: '/projects/:project/clusters',
    title: 'Clusters',
    nav: 'Clusters',
    render: ({ project = '' }) => <ClustersPage namespace={project} />,
  },
  {
    path: '/projects/:project/clusters/new',
    title: 'Create cluster',
    render: ({ project = '' }) => <ClusterCreatePage namespace={project} />,
  },
  {
    path: '/projects/:project/clusters/:name',
    title: 'Cluster',
    render: ({ project = '', name = '' }) => <ClusterDetailPage namespace={project} name={name} />,
  },
  // Admin and account pages: projects and the account for everyone, the rest for admins.
  {
    path: adminPaths.projectsPath,
    title: 'Projects',
    nav: 'Projects',
    render: () => <ProjectsPage />,
  },
  {
    path: `${adminPaths.projectsPath}/:name`,
    title: 'Project',
    render: ({ name = '' }) => <ProjectDetailPage name={name} />,
  },
  {
    path: adminPaths.templatesPath,
    title: 'Templates and credentials',
    nav: 'Templates',
    admin: true,
    render: () => <TemplatesPage />,
  },
  {
    path: adminPaths.ipPoolsPath,
    title: 'IP pools',
    nav: 'IP pools',
    admin: true,
    render: () => <IPPoolsPage />,
  },
  {
    path: adminPaths.usersPath,
    title: 'Users',
    nav: 'Users',
    admin: true,
    render: () => <UsersPage />,
  },
  {
    path: adminPaths.auditPath,
    title: 'Audit log',
    nav: 'Audit log',
    admin: true,
    render: () => <AuditPage />,
  },
  {
    path: adminPaths.accountPath,
    title: 'My account',
    nav: 'My account',
    render: () => <AccountPage />,
  },
];
