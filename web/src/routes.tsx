// Every page of the dashboard and the navigation, in one list. To add a page, append a
// route; give it `nav` to show it in the navigation. Patterns with `:project` are pages
// of the selected project (the switcher swaps that segment); `admin` pages are listed
// for administrators only.
import type { ReactNode } from 'react';
import { ClusterCreatePage } from './pages/cluster-create.tsx';
import { ClusterDetailPage } from './pages/cluster-detail.tsx';
import { ClustersPage } from './pages/clusters.tsx';

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
];
