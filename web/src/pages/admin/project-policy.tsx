// What a project may use and for how long: granted templates, credentials and service
// templates ("*" grants all), the maximum cluster lifetime and an expiry date. Only
// administrators change these.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { useAction } from '../../components/action.ts';
import { placeErrors } from '../../components/admin/errors.ts';
import { FormErrors } from '../../components/admin/form-errors.tsx';
import { splitList, TextField } from '../../components/admin/fields.tsx';
import type { FullProject } from '../../components/admin/types.ts';
import { localTimeToRfc3339, toLocalInput } from '../../components/admin/values.ts';
import { LocalTime } from '../../components/format.tsx';

const fields = [
  'spec.templates',
  'spec.credentials',
  'spec.serviceTemplates',
  'spec.maxClusterLifetime',
  'spec.expiresAt',
];

interface Draft {
  templates: string;
  credentials: string;
  serviceTemplates: string;
  lifetime: string;
  expires: string;
}

function draftOf(p: FullProject): Draft {
  return {
    templates: (p.spec.templates ?? []).join(', '),
    credentials: (p.spec.credentials ?? []).join(', '),
    serviceTemplates: (p.spec.serviceTemplates ?? []).join(', '),
    lifetime: p.spec.maxClusterLifetime ?? '',
    expires: toLocalInput(p.spec.expiresAt),
  };
}

function ReadOnly({ project }: { project: FullProject }) {
  const list = (names: string[] | undefined) =>
    names === undefined || names.length === 0
      ? 'none'
      : names.includes('*')
        ? 'all'
        : names.join(', ');
  return (
    <dl className="summary">
      <dt>Templates</dt>
      <dd>{list(project.spec.templates)}</dd>
      <dt>Credentials</dt>
      <dd>{list(project.spec.credentials)}</dd>
      <dt>Service templates</dt>
      <dd>{list(project.spec.serviceTemplates)}</dd>
      <dt>Cluster lifetime</dt>
      <dd>{project.spec.maxClusterLifetime ?? 'unlimited'}</dd>
      <dt>Expires</dt>
      <dd>
        <LocalTime value={project.spec.expiresAt} none="never" />
      </dd>
    </dl>
  );
}

export function ProjectPolicy(props: { project: FullProject; editable: boolean }) {
  const { project } = props;
  const name = project.metadata.name;
  const [draft, setDraft] = useState<Draft>(draftOf(project));
  const [dirty, setDirty] = useState(false);
  const action = useAction();
  useEffect(() => {
    if (!dirty) setDraft(draftOf(project));
  }, [project.metadata.resourceVersion, dirty]);
  const placed = placeErrors(action.error, fields, 'spec.templates');
  const set = (key: keyof Draft) => (value: string) => {
    setDirty(true);
    setDraft((d) => ({ ...d, [key]: value }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const listOrNull = (text: string) => {
      const names = splitList(text);
      return names.length > 0 ? names : null;
    };
    const spec = {
      templates: listOrNull(draft.templates),
      credentials: listOrNull(draft.credentials),
      serviceTemplates: listOrNull(draft.serviceTemplates),
      maxClusterLifetime: draft.lifetime.trim() === '' ? null : draft.lifetime.trim(),
      expiresAt: localTimeToRfc3339(draft.expires) ?? null,
    };
    if (await action.run(() => api.mergePatch({ plural: 'projects', name }, { spec }))) {
      setDirty(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="policy-title">
      <h2 id="policy-title">Grants and lifetime</h2>
      {!props.editable ? (
        <ReadOnly project={project} />
      ) : (
        <form onSubmit={(e) => void submit(e)} noValidate>
          <FormErrors error={action.error} other={placed.other} title="Not saved" />
          <TextField
            id="grant-templates"
            label="Granted cluster templates"
            value={draft.templates}
            onValue={set('templates')}
            help="Names in the project's namespace or slipway-system, separated by commas; * grants all."
            errors={placed.byField['spec.templates']}
          />
          <TextField
            id="grant-credentials"
            label="Granted credentials"
            value={draft.credentials}
            onValue={set('credentials')}
            errors={placed.byField['spec.credentials']}
          />
          <TextField
            id="grant-service-templates"
            label="Granted service templates"
            value={draft.serviceTemplates}
            onValue={set('serviceTemplates')}
            errors={placed.byField['spec.serviceTemplates']}
          />
          <TextField
            id="project-lifetime"
            label="Maximum cluster lifetime"
            value={draft.lifetime}
            onValue={set('lifetime')}
            placeholder="720h"
            help="Clusters are deleted this long after creation (h, m, s); empty for no limit."
            errors={placed.byField['spec.maxClusterLifetime']}
          />
          <TextField
            id="project-expires"
            label="Project expires"
            type="datetime-local"
            value={draft.expires}
            onValue={set('expires')}
            help="Every cluster of the project is deleted then (end of term); empty for never."
            errors={placed.byField['spec.expiresAt']}
          />
          <div className="actions">
            <button type="submit" disabled={action.busy || !dirty}>
              {action.busy ? 'Saving…' : 'Save grants and lifetime'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
