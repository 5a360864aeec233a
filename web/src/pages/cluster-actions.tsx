// What a member can do to a cluster: download its kubeconfig, scale workers, upgrade to
// an allowed template, delete it after typing its name.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, apiFetch, resourcePath } from '../api/client.ts';
import type { ClusterDeployment } from '../api/types.ts';
import { ErrorNotice, FieldError } from '../components/notice.tsx';
import { navigate } from '../router.tsx';

type Permissions = { update: boolean; delete: boolean; kubeconfig: boolean };

function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, String(err));
}

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
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const click = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await downloadKubeconfig(cluster);
    } catch (err: unknown) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="action">
      <button type="button" onClick={() => void click()} disabled={busy}>
        Download kubeconfig
      </button>
      <ErrorNotice error={error} />
    </div>
  );
}

function ScaleForm({ cluster }: { cluster: ClusterDeployment }) {
  const current = cluster.spec.config?.['workersNumber'];
  const [workers, setWorkers] = useState(typeof current === 'number' ? String(current) : '');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const { name, namespace } = cluster.metadata;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.mergePatch(
        { plural: 'clusterdeployments', namespace, name },
        { spec: { config: { workersNumber: Number(workers) } } },
      );
    } catch (err: unknown) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const messages = causesFor(error, 'spec.config.workersNumber');
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
        <button type="submit" disabled={busy || workers === ''}>
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
  const [error, setError] = useState<ApiError | undefined>();
  const { name, namespace } = cluster.metadata;
  if (targets.length === 0) return null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      await api.mergePatch(
        { plural: 'clusterdeployments', namespace, name },
        { spec: { template: target } },
      );
    } catch (err: unknown) {
      setError(asApiError(err));
    }
  };
  const messages = causesFor(error, 'spec.template');
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
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const asleep = cluster.spec.hibernated === true;
  const { name, namespace } = cluster.metadata;
  const click = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.mergePatch(
        { plural: 'clusterdeployments', namespace, name },
        // null removes the field: awake is the default.
        { spec: { hibernated: asleep ? null : true } },
      );
    } catch (err: unknown) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="action">
      <button
        type="button"
        className="secondary"
        onClick={() => void click()}
        disabled={busy}
        aria-describedby="hibernate-help"
      >
        {asleep ? 'Wake up' : 'Hibernate'}
      </button>
      <p className="help" id="hibernate-help">
        {asleep
          ? 'Start every VM of the cluster again.'
          : 'Stop every VM of the cluster; nothing is deleted.'}
      </p>
      <ErrorNotice error={error} />
    </div>
  );
}

function DeleteButton({ cluster, back }: { cluster: ClusterDeployment; back: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const { name, namespace } = cluster.metadata;
  useEffect(() => setTyped(''), [name]);
  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    if (typed !== name) return;
    try {
      await api.delete({ plural: 'clusterdeployments', namespace, name });
      dialog.current?.close();
      navigate(back);
    } catch (err: unknown) {
      setError(asApiError(err));
    }
  };
  return (
    <div className="action">
      <button type="button" className="danger" onClick={() => dialog.current?.showModal()}>
        Delete cluster
      </button>
      <dialog ref={dialog} aria-labelledby="delete-title" onClose={() => setTyped('')}>
        <form onSubmit={(e) => void confirm(e)}>
          <h2 id="delete-title">Delete {name}?</h2>
          <p>
            Every machine of the cluster is destroyed. This cannot be undone. Type the cluster’s
            name to confirm.
          </p>
          <label htmlFor="delete-confirm">Cluster name</label>
          <input
            id="delete-confirm"
            autoComplete="off"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
          <ErrorNotice error={error} />
          <div className="actions">
            <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" className="danger" disabled={typed !== name}>
              Delete
            </button>
          </div>
        </form>
      </dialog>
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
