// The clusters of a project, live: a watch keeps phase, nodes and version current.
import { useEffect, useState } from 'react';
import { useLiveList } from '../api/hooks.ts';
import type { ClusterDeployment } from '../api/types.ts';
import { clusterPermissions, useUser } from '../auth.tsx';
import { age, PhaseBadge } from '../components/format.tsx';
import { ListState } from '../components/list-state.tsx';
import { DataTable } from '../components/table.tsx';
import { Link } from '../router.tsx';

/** Re-render every `ms` so ages stay true without new data. */
export function useTicker(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

export function clusterPath(namespace: string, name: string): string {
  return `/projects/${encodeURIComponent(namespace)}/clusters/${encodeURIComponent(name)}`;
}

export function ClustersPage({ namespace }: { namespace: string }) {
  const user = useUser();
  const can = clusterPermissions(user, namespace);
  const { items, error } = useLiveList<ClusterDeployment>({
    plural: 'clusterdeployments',
    namespace,
  });
  const now = useTicker(5000);

  return (
    <section aria-labelledby="clusters-title">
      <div className="page-header">
        <h1 id="clusters-title">Clusters</h1>
        {can.create && (
          <Link className="button" to={`/projects/${encodeURIComponent(namespace)}/clusters/new`}>
            Create cluster
          </Link>
        )}
      </div>
      <ListState
        items={items}
        error={error}
        errorTitle="Could not load the clusters"
        what="clusters"
        empty={
          <>
            No clusters in <strong>{namespace}</strong> yet.
            {can.create ? ' Create one from a template.' : ''}
          </>
        }
      >
        {(list) => (
          <DataTable
            className="clusters"
            caption={<>Clusters in {namespace}</>}
            columns={['Name', 'Phase', 'Nodes', 'Version', 'Template', 'Age']}
          >
            {list.map((cluster) => (
              <tr key={cluster.metadata.name} data-cluster={cluster.metadata.name}>
                <th scope="row">
                  <Link to={clusterPath(namespace, cluster.metadata.name)}>
                    {cluster.metadata.name}
                  </Link>
                </th>
                <td data-label="Phase">
                  <PhaseBadge
                    phase={cluster.status?.phase}
                    deleting={cluster.metadata.deletionTimestamp !== undefined}
                  />
                </td>
                <td data-label="Nodes">{cluster.status?.readyNodes ?? '—'}</td>
                <td data-label="Version">{cluster.status?.version ?? '—'}</td>
                <td data-label="Template">{cluster.spec.template}</td>
                <td data-label="Age">{age(cluster.metadata.creationTimestamp, now)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </ListState>
    </section>
  );
}
