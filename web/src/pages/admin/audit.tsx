// The audit log for administrators: newest first, filtered by user, namespace, verb,
// resource and start time, a page at a time ("Load more" follows the server's `continue`).
import { useEffect, useState, type FormEvent } from 'react';
import { apiJson, queryString } from '../../api/client.ts';
import { useAction } from '../../components/action.ts';
import '../../components/admin/admin.css';
import { SelectField, TextField } from '../../components/admin/fields.tsx';
import type { AuditEvent, AuditEventList } from '../../components/admin/types.ts';
import { auditQuery, type AuditFilters } from '../../components/admin/values.ts';
import { LocalTime } from '../../components/format.tsx';
import { ListState } from '../../components/list-state.tsx';
import { DataTable } from '../../components/table.tsx';

export const auditEventsPath = '/apis/audit.slipway.dev/v1alpha1/auditevents';

const verbs = [
  '',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'get',
  'list',
  'watch',
  'post',
  'put',
];

const noFilters: AuditFilters = { user: '', namespace: '', verb: '', resource: '', since: '' };

function target(event: AuditEvent): string {
  if (!event.resource) return event.path;
  const sub = event.subresource ? `/${event.subresource}` : '';
  const name = event.name ? `/${event.name}` : '';
  return `${event.resource}${sub}${name}`;
}

function EventRows({ items }: { items: AuditEvent[] }) {
  return (
    <DataTable
      testId="audit-events"
      caption="Audit events, newest first"
      columns={['Time', 'User', 'Verb', 'Resource', 'Namespace', 'Result', 'From']}
    >
      {items.map((e) => (
        <tr key={e.id} data-verb={e.verb} data-resource={e.resource ?? ''} data-name={e.name ?? ''}>
          <td data-label="Time">
            <LocalTime value={e.time} />
          </td>
          <td data-label="User">{e.user}</td>
          <td data-label="Verb">
            {e.verb}
            {e.dryRun && <span className="muted"> (dry run)</span>}
          </td>
          <td data-label="Resource">
            <code>{target(e)}</code>
          </td>
          <td data-label="Namespace">{e.namespace ?? '—'}</td>
          <td data-label="Result">
            <span className={e.result === 'allowed' ? 'status-true' : 'status-false'}>
              {e.result} {e.code}
            </span>
            {e.message && <div className="help">{e.message}</div>}
          </td>
          <td data-label="From">
            <span title={e.userAgent}>{e.sourceIP ?? '—'}</span>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

export function AuditPage() {
  const [draft, setDraft] = useState<AuditFilters>(noFilters);
  const [filters, setFilters] = useState<AuditFilters>(noFilters);
  const [items, setItems] = useState<AuditEvent[] | undefined>();
  const [next, setNext] = useState<string | undefined>();
  const load = useAction();
  const { run } = load;

  const fetchPage = (applied: AuditFilters, from?: string) =>
    apiJson<AuditEventList>('GET', auditEventsPath + queryString(auditQuery(applied, from)));

  useEffect(() => {
    setItems(undefined);
    setNext(undefined);
    void run(async () => {
      const page = await fetchPage(filters);
      setItems(page.items);
      setNext(page.metadata.continue);
    });
  }, [filters, run]);

  const loadMore = () =>
    void load.run(async () => {
      const page = await fetchPage(filters, next);
      setItems((previous) => [...(previous ?? []), ...page.items]);
      setNext(page.metadata.continue);
    });

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters({ ...draft });
  };
  const set = (key: keyof AuditFilters) => (value: string) =>
    setDraft((d) => ({ ...d, [key]: value }));
  // The server names a bad filter in its message ("query parameter since must be …").
  const sinceProblem = load.error?.message.includes('since') ? [load.error.message] : undefined;

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form className="panel filters" aria-label="Filters" onSubmit={apply}>
        <TextField id="audit-user" label="User" value={draft.user} onValue={set('user')} />
        <TextField
          id="audit-namespace"
          label="Namespace"
          value={draft.namespace}
          onValue={set('namespace')}
        />
        <SelectField
          id="audit-verb"
          label="Verb"
          value={draft.verb}
          onValue={set('verb')}
          options={verbs.map((v) => ({ value: v, label: v === '' ? 'any' : v }))}
        />
        <TextField
          id="audit-resource"
          label="Resource"
          value={draft.resource}
          onValue={set('resource')}
          placeholder="projects"
        />
        <TextField
          id="audit-since"
          label="Since"
          type="datetime-local"
          value={draft.since}
          onValue={set('since')}
          errors={sinceProblem}
        />
        <div className="field">
          <button type="submit">Apply filters</button>
        </div>
      </form>
      <ListState
        items={items}
        // A bad filter is shown beside its field instead.
        error={sinceProblem ? undefined : load.error}
        errorTitle="Could not load the audit log"
        what="audit events"
        loading={load.busy}
        empty="No audit events match these filters."
      >
        {(list) => <EventRows items={list} />}
      </ListState>
      {next !== undefined && (
        <div className="actions">
          <button type="button" className="secondary" disabled={load.busy} onClick={loadMore}>
            {load.busy ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </section>
  );
}
