// A project's quota against its usage. Owners change the quota within the limit an
// administrator set; administrators change both. The server enforces it and its refusal
// shows beside the fields. An empty box is "no quota" (falls back to the limit).
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { useAction } from '../../components/action.ts';
import { placeErrors } from '../../components/admin/errors.ts';
import { FormErrors } from '../../components/admin/form-errors.tsx';
import { quotaResources, type FullProject, type Quota } from '../../components/admin/types.ts';
import { FieldError } from '../../components/notice.tsx';
import { DataTable } from '../../components/table.tsx';
import {
  badQuotaNumber,
  quotaDraft,
  quotaPatch,
  type QuotaDraft,
} from '../../components/admin/values.ts';

/** Field paths the server may name: the whole quota, or one resource of it. */
const quotaFields = ['spec.quota', 'spec.quotaLimit'].flatMap((field) => [
  field,
  ...quotaResources.map(({ key }) => `${field}.${key}`),
]);

export function ProjectQuota(props: {
  project: FullProject;
  editQuota: boolean;
  editLimit: boolean;
}) {
  const { project } = props;
  const name = project.metadata.name;
  const version = project.metadata.resourceVersion;
  const [quota, setQuota] = useState<QuotaDraft>(quotaDraft(project.spec.quota));
  const [limit, setLimit] = useState<QuotaDraft>(quotaDraft(project.spec.quotaLimit));
  const [dirty, setDirty] = useState(false);
  const action = useAction();
  // Follow the live object until the user starts editing.
  useEffect(() => {
    if (!dirty) {
      setQuota(quotaDraft(project.spec.quota));
      setLimit(quotaDraft(project.spec.quotaLimit));
    }
  }, [version, dirty]);

  const placed = placeErrors(action.error, quotaFields, 'spec.quota');
  const problems = quotaResources.flatMap(({ key }) => [
    ...badQuotaNumber(quota[key]),
    ...(props.editLimit ? badQuotaNumber(limit[key]) : []),
  ]);
  const usage = project.status?.usage ?? {};
  const editable = props.editQuota || props.editLimit;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (problems.length > 0) return;
    const spec: Record<string, unknown> = { quota: quotaPatch(quota) };
    if (props.editLimit) spec['quotaLimit'] = quotaPatch(limit);
    if (await action.run(() => api.mergePatch({ plural: 'projects', name }, { spec }))) {
      setDirty(false);
    }
  };
  const input = (which: 'quota' | 'limit', key: keyof Quota, label: string) => {
    const draft = which === 'quota' ? quota : limit;
    const set = which === 'quota' ? setQuota : setLimit;
    const field = which === 'quota' ? 'spec.quota' : 'spec.quotaLimit';
    const id = `${which}-${key}`;
    const messages = [...badQuotaNumber(draft[key]), ...(placed.byField[`${field}.${key}`] ?? [])];
    return (
      <>
        <input
          id={id}
          inputMode="numeric"
          aria-label={`${which === 'quota' ? 'Quota' : 'Limit'}: ${label}`}
          aria-invalid={messages.length > 0 ? true : undefined}
          aria-describedby={messages.length > 0 ? `${id}-error` : undefined}
          value={draft[key]}
          placeholder="none"
          onChange={(e) => {
            setDirty(true);
            set({ ...draft, [key]: e.target.value });
          }}
        />
        <FieldError id={`${id}-error`} messages={messages} />
      </>
    );
  };

  return (
    <section className="panel" aria-labelledby="quota-title">
      <h2 id="quota-title">Quota and usage</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <FormErrors error={action.error} other={placed.other} title="The quota was not changed" />
        <DataTable
          testId="quota"
          caption={<>Quota of {name}</>}
          columns={['Resource', 'Used', 'Quota', 'Limit']}
        >
          {quotaResources.map(({ key, label }) => {
            const effective = project.spec.quota?.[key] ?? project.spec.quotaLimit?.[key];
            const over = effective !== undefined && (usage[key] ?? 0) > effective;
            return (
              <tr key={key} data-resource={key}>
                <th scope="row">{label}</th>
                <td data-label="Used" className={over ? 'status-false' : undefined}>
                  {usage[key] ?? 0}
                  {effective !== undefined && ` of ${effective}`}
                </td>
                <td data-label="Quota">
                  {props.editQuota
                    ? input('quota', key, label)
                    : (project.spec.quota?.[key] ?? '—')}
                </td>
                <td data-label="Limit">
                  {props.editLimit
                    ? input('limit', key, label)
                    : (project.spec.quotaLimit?.[key] ?? 'none')}
                </td>
              </tr>
            );
          })}
        </DataTable>
        <FieldError id="quota-error" messages={placed.byField['spec.quota'] ?? []} />
        <FieldError id="limit-error" messages={placed.byField['spec.quotaLimit'] ?? []} />
        {editable && (
          <div className="actions">
            <button type="submit" disabled={action.busy || !dirty || problems.length > 0}>
              {action.busy ? 'Saving…' : 'Save quota'}
            </button>
          </div>
        )}
      </form>
    </section>
  );
}
