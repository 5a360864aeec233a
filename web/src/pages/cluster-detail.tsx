// One cluster, live: summary, actions, conditions, machines and the event timeline of
// the cluster and its machines.
import { useLiveList } from '../api/hooks.ts';
import type { ClusterDeployment, Condition, KubeEvent, Machine } from '../api/types.ts';
import { clusterLabel } from '../api/types.ts';
import { clusterPermissions, useUser } from '../auth.tsx';
import { PhaseBadge, Time } from '../components/format.tsx';
import { ErrorNotice, Loading, Notice } from '../components/notice.tsx';
import { DataTable } from '../components/table.tsx';
import { Link } from '../router.tsx';
import { ClusterActions } from './cluster-actions.tsx';

function Conditions({ conditions }: { conditions: Condition[] }) {
  if (conditions.length === 0) return <Notice kind="empty">No conditions reported yet.</Notice>;
  return (
    <DataTable className="conditions" columns={['Type', 'Status', 'Reason', 'Message', 'Changed']}>
      {conditions.map((c) => (
        <tr key={c.type}>
          <th scope="row">{c.type}</th>
          <td data-label="Status" className={`status-${c.status.toLowerCase()}`}>
            {c.status}
          </td>
          <td data-label="Reason">{c.reason ?? ''}</td>
          <td data-label="Message">{c.message ?? ''}</td>
          <td data-label="Changed">
            <Time value={c.lastTransitionTime} />
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

function Machines({ machines }: { machines: Machine[] | undefined }) {
  if (machines === undefined) return <Loading what="machines" />;
  if (machines.length === 0) return <Notice kind="empty">No machines yet.</Notice>;
  return (
    <DataTable className="machines" columns={['Name', 'Role', 'Phase', 'Addresses', 'Version']}>
      {machines.map((m) => (
        <tr key={m.metadata.name}>
          <th scope="row">{m.metadata.name}</th>
          <td data-label="Role">{m.spec.role}</td>
          <td data-label="Phase">
            <PhaseBadge
              phase={m.status?.phase}
              deleting={m.metadata.deletionTimestamp !== undefined}
            />
          </td>
          <td data-label="Addresses">
            {(m.status?.addresses ?? []).map((a) => a.address).join(', ') || '—'}
          </td>
          <td data-label="Version">{m.spec.version}</td>
        </tr>
      ))}
    </DataTable>
  );
}

function Timeline({ events }: { events: KubeEvent[] }) {
  if (events.length === 0) return <Notice kind="empty">No events yet.</Notice>;
  const when = (e: KubeEvent) => e.lastTimestamp ?? e.metadata.creationTimestamp ?? '';
  const sorted = [...events].sort((a, b) => when(b).localeCompare(when(a)));
  return (
    <ol className="timeline">
      {sorted.map((e) => (
        <li key={e.metadata.name} className={e.type === 'Warning' ? 'warning' : undefined}>
          <Time value={when(e)} /> <strong>{e.reason}</strong>{' '}
          <span className="muted">
            {e.involvedObject.kind.toLowerCase()}/{e.involvedObject.name}
            {e.count && e.count > 1 ? ` ×${e.count}` : ''}
          </span>
          <p>{e.message}</p>
        </li>
      ))}
    </ol>
  );
}

function workersWanted(cluster: ClusterDeployment): string {
  const wanted = cluster.spec.config?.['workersNumber'];
  return typeof wanted === 'number' ? String(wanted) : 'template default';
}

export function ClusterDetailPage({ namespace, name }: { namespace: string; name: string }) {
  const user = useUser();
  const can = clusterPermissions(user, namespace);
  const back = `/projects/${encodeURIComponent(namespace)}/clusters`;
  const clusters = useLiveList<ClusterDeployment>(
    { plural: 'clusterdeployments', namespace },
    { fieldSelector: `metadata.name=${name}` },
  );
  const machines = useLiveList<Machine>(
    { plural: 'machines', namespace },
    { labelSelector: `${clusterLabel}=${name}` },
  );
  // Events cannot be selected by involvedObject on this server; filter here.
  const events = useLiveList<KubeEvent>({ plural: 'events', namespace });

  const cluster = clusters.items?.[0];
  const machineNames = new Set((machines.items ?? []).map((m) => m.metadata.name));
  const related = (events.items ?? []).filter(
    (e) =>
      (e.involvedObject.kind === 'ClusterDeployment' && e.involvedObject.name === name) ||
      (e.involvedObject.kind === 'Machine' && machineNames.has(e.involvedObject.name)),
  );

  return (
    <section aria-labelledby="cluster-title">
      <p className="breadcrumb">
        <Link to={back}>Clusters</Link> / {name}
      </p>
      <div className="page-header">
        <h1 id="cluster-title">{name}</h1>
        {cluster && (
          <PhaseBadge
            phase={cluster.status?.phase}
            deleting={cluster.metadata.deletionTimestamp !== undefined}
          />
        )}
      </div>
      <ErrorNotice error={clusters.error} title="Could not load the cluster" />
      {clusters.items === undefined && !clusters.error && <Loading what="the cluster" />}
      {clusters.items?.length === 0 && (
        <Notice kind="empty">
          There is no cluster {name} in {namespace} (any more). <Link to={back}>All clusters</Link>
        </Notice>
      )}
      {cluster && (
        <div className="detail-grid">
          <section className="panel" aria-labelledby="summary-title">
            <h2 id="summary-title">Summary</h2>
            <dl className="summary">
              <dt>Nodes ready</dt>
              <dd data-testid="ready-nodes">{cluster.status?.readyNodes ?? '—'}</dd>
              <dt>Version</dt>
              <dd data-testid="version">{cluster.status?.version ?? '—'}</dd>
              <dt>Template</dt>
              <dd>{cluster.spec.template}</dd>
              <dt>Credential</dt>
              <dd>{cluster.spec.credential}</dd>
              <dt>Workers wanted</dt>
              <dd>{workersWanted(cluster)}</dd>
              <dt>API endpoint</dt>
              <dd>
                {cluster.status?.controlPlaneEndpoint
                  ? `${cluster.status.controlPlaneEndpoint.host}:${cluster.status.controlPlaneEndpoint.port}`
                  : '—'}
              </dd>
              <dt>Created</dt>
              <dd>
                <Time value={cluster.metadata.creationTimestamp} />
              </dd>
              {cluster.status?.expiresAt && (
                <>
                  <dt>Expires</dt>
                  <dd>{new Date(cluster.status.expiresAt).toLocaleString()}</dd>
                </>
              )}
            </dl>
          </section>
          <ClusterActions cluster={cluster} can={can} back={back} />
          <section className="panel wide" aria-labelledby="conditions-title">
            <h2 id="conditions-title">Conditions</h2>
            <Conditions conditions={cluster.status?.conditions ?? []} />
          </section>
          <section className="panel wide" aria-labelledby="machines-title">
            <h2 id="machines-title">Machines</h2>
            <ErrorNotice error={machines.error} />
            <Machines machines={machines.items} />
          </section>
          <section className="panel wide" aria-labelledby="events-title">
            <h2 id="events-title">Events</h2>
            <ErrorNotice error={events.error} />
            {events.items === undefined ? <Loading what="events" /> : <Timeline events={related} />}
          </section>
        </div>
      )}
    </section>
  );
}
