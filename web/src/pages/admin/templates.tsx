// Templates and credentials of every namespace (what the caller may read), live. Admins
// publish new ones here; credential secrets are write-only, so the list says only
// whether one is set.
import { useState } from 'react';
import { useLiveList } from '../../api/hooks.ts';
import type { ClusterTemplate, Credential } from '../../api/types.ts';
import { useUser } from '../../auth.tsx';
import '../../components/admin/admin.css';
import { condition, ConditionStatus, Time } from '../../components/format.tsx';
import { ListState } from '../../components/list-state.tsx';
import { DataTable } from '../../components/table.tsx';
import { CredentialForm } from './credential-form.tsx';
import { SetSecretButton } from './credential-secret.tsx';
import { TemplateForm } from './template-form.tsx';

type CredentialWithRef = Credential & { spec: { secretRef?: { name: string } } };

function Valid({ template }: { template: ClusterTemplate }) {
  const valid = template.status?.valid;
  if (valid === undefined) return <span className="badge badge-busy">Checking</span>;
  return valid ? (
    <span className="badge badge-good">Valid</span>
  ) : (
    <span className="badge badge-bad" title={template.status?.validationError}>
      Invalid
    </span>
  );
}

function TemplatesTable({ items }: { items: ClusterTemplate[] }) {
  return (
    <DataTable
      testId="templates"
      caption="Cluster templates"
      columns={[
        'Name',
        'Namespace',
        'Provider',
        'Distribution',
        'Valid',
        'Upgrade targets',
        'Max lifetime',
      ]}
    >
      {items.map((t) => (
        <tr key={`${t.metadata.namespace}/${t.metadata.name}`} data-template={t.metadata.name}>
          <th scope="row">
            {t.metadata.name}
            {t.spec.description && <div className="help">{t.spec.description}</div>}
          </th>
          <td data-label="Namespace">{t.metadata.namespace}</td>
          <td data-label="Provider">{t.spec.provider}</td>
          <td data-label="Distribution">
            {t.spec.distribution.name} {t.spec.distribution.version}
          </td>
          <td data-label="Valid">
            <Valid template={t} />
            {t.status?.valid === false && t.status.validationError && (
              <div className="field-error">{t.status.validationError}</div>
            )}
          </td>
          <td data-label="Upgrade targets">{(t.spec.upgradeTargets ?? []).join(', ') || '—'}</td>
          <td data-label="Max lifetime">{t.spec.maxClusterLifetime ?? '—'}</td>
        </tr>
      ))}
    </DataTable>
  );
}

function CredentialsTable({ items, admin }: { items: CredentialWithRef[]; admin: boolean }) {
  return (
    <DataTable
      testId="credentials"
      caption="Credentials"
      columns={['Name', 'Namespace', 'Provider', 'Ready', 'Secret', 'Checked', admin && 'Actions']}
    >
      {items.map((c) => {
        const ready = condition(c.status?.conditions, 'Ready');
        return (
          <tr key={`${c.metadata.namespace}/${c.metadata.name}`} data-credential={c.metadata.name}>
            <th scope="row">
              {c.metadata.name}
              {c.spec.description && <div className="help">{c.spec.description}</div>}
            </th>
            <td data-label="Namespace">{c.metadata.namespace}</td>
            <td data-label="Provider">{c.spec.provider}</td>
            <td data-label="Ready">
              <ConditionStatus condition={ready} withReason />
            </td>
            <td data-label="Secret">{c.spec.secretRef ? 'set' : 'none'}</td>
            <td data-label="Checked">
              <Time value={ready?.lastTransitionTime} />
            </td>
            {admin && (
              <td data-label="Actions">
                <SetSecretButton credential={c} />
              </td>
            )}
          </tr>
        );
      })}
    </DataTable>
  );
}

export function TemplatesPage() {
  const user = useUser();
  const templates = useLiveList<ClusterTemplate>({ plural: 'clustertemplates' });
  const credentials = useLiveList<CredentialWithRef>({ plural: 'credentials' });
  const [creating, setCreating] = useState<'template' | 'credential' | undefined>();

  return (
    <section aria-labelledby="templates-title" className="stack">
      <div className="page-header">
        <h1 id="templates-title">Templates and credentials</h1>
        {user.admin && creating === undefined && (
          <div className="row-actions">
            <button type="button" onClick={() => setCreating('template')}>
              New template
            </button>
            <button type="button" onClick={() => setCreating('credential')}>
              New credential
            </button>
          </div>
        )}
      </div>
      {creating === 'template' && <TemplateForm onDone={() => setCreating(undefined)} />}
      {creating === 'credential' && <CredentialForm onDone={() => setCreating(undefined)} />}
      <section aria-labelledby="template-list-title">
        <h2 id="template-list-title">Cluster templates</h2>
        <ListState
          items={templates.items}
          error={templates.error}
          errorTitle="Could not load the templates"
          what="templates"
          empty="No cluster templates yet."
        >
          {(list) => <TemplatesTable items={list} />}
        </ListState>
      </section>
      <section aria-labelledby="credential-list-title">
        <h2 id="credential-list-title">Credentials</h2>
        <ListState
          items={credentials.items}
          error={credentials.error}
          errorTitle="Could not load the credentials"
          what="credentials"
          empty="No credentials yet."
        >
          {(list) => <CredentialsTable items={list} admin={user.admin} />}
        </ListState>
      </section>
    </section>
  );
}
