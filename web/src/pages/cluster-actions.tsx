// What a member can do to a cluster: download its kubeconfig, scale workers, upgrade to
// an allowed template, delete it after typing its name.
import { useState, type FormEvent } from 'react';
import { api, apiFetch, resourcePath, type ApiError } from '../api/client.ts';
import type { ClusterDeployment } from '../api/types.ts';
import { useAction } from '../components/action.ts';
import { ConfirmByName } from '../components/confirm-by-name.tsx';
import { ErrorNotice, FieldError } from '../components/notice.tsx';
import { navigate } from '../router.tsx';

type Permissions = { update: boolean; delete: boolean; kubeconfig: boolean };

function causesFor(error: ApiError | undefined, field: string): string[] {
  if (!error) return [];
  const own = error.causes.filter((c) => c.field === field).map((c) => c.message);
  return own.length > 0 || error.causes.length > 0 ? own : [error.message];
}

/** Fetch the kubeconfig and hand it to the browser as a file. */
async function downloadKubeconfig(cluster: ClusterDeployment): Promise<void> {
  const { name, namespace } = cluster.metadata;
  const response = await apiFetch(
    'GET',
    resourcePath({ plural: 'clusterdeployments', namespace, name, subresource: 'kubeconfig' }),
    { accept: 'application/yaml' },
  );
  const blob = new Blob([await response.text()], { type: 'application/yaml' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `${name}.kubeconfig.yaml`;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function KubeconfigButton({ cluster }: { cluster: ClusterDeployment }) {
  const action = useAction();
  return (
    <div className="action">
      <button
        type="button"
        onClick={() => void action.run(() => downloadKubeconfig(cluster))}
        disabled={action.busy}
      >
        Download kubeconfig
      </button>
      <ErrorNotice error={action.error} />
    </div>
  );
}

function ScaleForm({ cluster }: { cluster: ClusterDeployment }) {
  const current = cluster.spec.config?.['workersNumber'];
  const [workers, setWorkers] = useState(typeof current === 'number' ? String(current) : '');
  const action = useAction();
  const { name, namespace } = cluster.metadata;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await action.run(() =>
      api.mergePatch(
        { plural: 'clusterdeployments', namespace, name },
        { spec: { config: { workersNumber: Number(workers) } } },
      ),
    );
  };
  const messages = causesFor(action.error, 'spec.config.workersNumber');
  return (
    <form className="action" onSubmit={(e) => void submit(e)}>
      <label htmlFor="scale-workers">Workers</label>
      <div className="inline">
        <input
          id="scale-workers"
          type="number"
          min={0}
          required
          value={workers}
          aria-invalid={messages.length > 0 ? true : undefined}
          aria-describedby={messages.length > 0 ? 'scale-workers-error' : undefined}
          onChange={(e) => setWorkers(e.target.value)}
        />
        <button type="submit" disabled={action.busy || workers === ''}>
          Scale
        </button>
      </div>
      <FieldError id="scale-workers-error" messages={messages} />
    </form>
  );
}

function UpgradeForm({ cluster }: { cluster: ClusterDeployment }) {
  const targets = cluster.status?.availableUpgrades ?? [];
  const [picked, setTarget] = useState('');
  // The offered upgrades arrive with the status; keep the pick while it is still offered.
  const target = targets.includes(picked) ? picked : (targets[0] ?? '');
  const action = useAction();
  const { name, namespace } = cluster.metadata;
  if (targets.length === 0) return null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await action.run(() =>
      api.mergePatch(
        { plural: 'clusterdeployments', namespace, name },
        { spec: { template: target } },
      ),
    );
  };
  const messages = causesFor(action.error, 'spec.template');
  return (
    <form className="action" onSubmit={(e) => void submit(e)}>
      <label htmlFor="upgrade-target">Upgrade to template</label>
      <div className="inline">
        <select id="upgrade-target" value={target} onChange={(e) => setTarget(e.target.value)}>
          {targets.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <button type="submit" disabled={target === ''}>
          Upgrade
        </button>
      </div>
      <FieldError id="upgrade-target-error" messages={messages} />
    </form>
  );
}

function HibernateButton({ cluster }: { cluster: ClusterDeployment }) {
  const action = useAction();
  const asleep = cluster.spec.hibernated === true;
  const { name, namespace } = cluster.metadata;
  const click = () =>
    action.run(() =>
      api.mergePatch(
        { plural: 'clusterdeployments', namespace, name },
        // null removes the field: awake is the default.
        { spec: { hibernated: asleep ? null : true } },
      ),
    );
  return (
    <div className="action">
      <button
        type="button"
        className="secondary"
        onClick={() => void click()}
        disabled={action.busy}
        aria-describedby="hibernate-help"
      >
        {asleep ? 'Wake up' : 'Hibernate'}
      </button>
      <p className="help" id="hibernate-help">
        {asleep
          ? 'Start every VM of the cluster again.'
          : 'Stop every VM of the cluster; nothing is deleted.'}
      </p>
      <ErrorNotice error={action.error} />
    </div>
  );
}

function DeleteButton({ cluster, back }: { cluster: ClusterDeployment; back: string }) {
  const action = useAction();
  const { name, namespace } = cluster.metadata;
  const confirm = async (close: () => void) => {
    if (await action.run(() => api.delete({ plural: 'clusterdeployments', namespace, name }))) {
      close();
      navigate(back);
    }
  };
  return (
    <div className="action">
      <ConfirmByName
        name={name}
        openLabel="Delete cluster"
        titleId="delete-title"
        title={<>Delete {name}?</>}
        inputId="delete-confirm"
        inputLabel="Cluster name"
        error={action.error}
        onConfirm={confirm}
      >
        <p>
          Every machine of the cluster is destroyed. This cannot be undone. Type the cluster’s name
          to confirm.
        </p>
      </ConfirmByName>
    </div>
  );
}

/** The actions the caller's role allows; nothing at all for viewers. */
export function ClusterActions(props: {
  cluster: ClusterDeployment;
  can: Permissions;
  back: string;
}) {
  const { cluster, can } = props;
  if (!can.update && !can.delete && !can.kubeconfig) return null;
  const deleting = cluster.metadata.deletionTimestamp !== undefined;
  return (
    <section className="panel actions-panel" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      {can.kubeconfig && <KubeconfigButton cluster={cluster} />}
      {can.update && !deleting && <ScaleForm cluster={cluster} />}
      {can.update && !deleting && <UpgradeForm cluster={cluster} />}
      {can.update && !deleting && <HibernateButton cluster={cluster} />}
      {can.delete && !deleting && <DeleteButton cluster={cluster} back={props.back} />}
    </section>
  );
}
