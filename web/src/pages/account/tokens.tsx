// The caller's API tokens: create one (its secret is shown once, from the create
// response, with a copy button), see prefix, expiry and last use, revoke or delete.
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { useLiveList } from '../../api/hooks.ts';
import { useAction } from '../../components/action.ts';
import { placeErrors } from '../../components/admin/errors.ts';
import { CreateForm } from '../../components/admin/create-form.tsx';
import { TextField } from '../../components/admin/fields.tsx';
import type { APIToken } from '../../components/admin/types.ts';
import { localTimeToRfc3339 } from '../../components/admin/values.ts';
import { condition, LocalTime, Time } from '../../components/format.tsx';
import { ListState } from '../../components/list-state.tsx';
import { ErrorNotice } from '../../components/notice.tsx';
import { DataTable } from '../../components/table.tsx';

const fields = ['metadata.name', 'metadata.generateName', 'spec.description', 'spec.expiresAt'];

function ShownOnce(props: { token: string; name: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.token);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <div className="token-once" role="region" aria-labelledby="token-once-title">
      <h2 id="token-once-title">Token {props.name} created</h2>
      <p>
        <strong>Copy it now: it is shown only this once.</strong> Slipway keeps only a hash; if you
        lose it, delete the token and create another.
      </p>
      <code data-testid="new-token">{props.token}</code>
      <div className="row-actions">
        <button type="button" onClick={() => void copy()}>
          Copy token
        </button>
        <button type="button" className="secondary" onClick={props.onDismiss}>
          I have saved it
        </button>
      </div>
      <p role="status" className="help">
        {copied === 'yes' && 'Copied to the clipboard.'}
        {copied === 'failed' && 'The browser refused the clipboard: select the token and copy it.'}
      </p>
    </div>
  );
}

function NewTokenForm(props: { user: string; onCreated: (token: APIToken) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [expires, setExpires] = useState('');
  const action = useAction();
  const placed = placeErrors(action.error, fields, 'metadata.name');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const spec: Record<string, unknown> = { user: props.user };
    if (description !== '') spec['description'] = description;
    const expiresAt = localTimeToRfc3339(expires);
    if (expiresAt !== undefined) spec['expiresAt'] = expiresAt;
    const metadata = name === '' ? { generateName: `${props.user}-` } : { name };
    let created: APIToken | undefined;
    const ok = await action.run(async () => {
      created = await api.create<APIToken>(
        { plural: 'apitokens' },
        { apiVersion: 'slipway.dev/v1alpha1', kind: 'APIToken', metadata, spec },
      );
    });
    if (ok && created) {
      setName('');
      setDescription('');
      setExpires('');
      props.onCreated(created);
    }
  };

  return (
    <CreateForm
      titleId="token-form-title"
      title="New token"
      heading="h3"
      action={action}
      other={placed.other}
      errorTitle="The token was not created"
      onSubmit={submit}
      submitLabel="Create token"
      busyLabel="Creating…"
    >
      <TextField
        id="token-name"
        label="Name"
        autoComplete="off"
        value={name}
        onValue={setName}
        help="Optional; generated when empty."
        errors={[
          ...(placed.byField['metadata.name'] ?? []),
          ...(placed.byField['metadata.generateName'] ?? []),
        ]}
      />
      <TextField
        id="token-description"
        label="What it is for"
        value={description}
        onValue={setDescription}
        errors={placed.byField['spec.description']}
      />
      <TextField
        id="token-expires"
        label="Expires"
        type="datetime-local"
        value={expires}
        onValue={setExpires}
        help="Optional; never when empty."
        errors={placed.byField['spec.expiresAt']}
      />
    </CreateForm>
  );
}

function TokenRow({ token }: { token: APIToken }) {
  const action = useAction();
  const name = token.metadata.name;
  const ready = condition(token.status?.conditions, 'Ready');
  const expired =
    token.spec.expiresAt !== undefined && Date.parse(token.spec.expiresAt) < Date.now();
  const state = token.spec.revoked
    ? 'Revoked'
    : expired
      ? 'Expired'
      : ready === undefined || ready.status === 'True'
        ? 'Active'
        : (ready.reason ?? 'Not usable');
  return (
    <tr data-token={name}>
      <th scope="row">
        {name}
        {token.spec.description && <div className="help">{token.spec.description}</div>}
      </th>
      <td data-label="Prefix">
        <code>{token.status?.prefix ? `slw_${token.status.prefix}_…` : '—'}</code>
      </td>
      <td data-label="State">
        <span className={state === 'Active' ? 'status-true' : 'status-false'}>{state}</span>
      </td>
      <td data-label="Expires">
        <LocalTime value={token.spec.expiresAt} none="never" />
      </td>
      <td data-label="Last used">
        {token.status?.lastUsedTime ? <Time value={token.status.lastUsedTime} /> : 'never'}
      </td>
      <td data-label="Actions">
        <div className="row-actions">
          {!token.spec.revoked && (
            <button
              type="button"
              className="secondary small"
              disabled={action.busy}
              onClick={() =>
                void action.run(() =>
                  api.mergePatch({ plural: 'apitokens', name }, { spec: { revoked: true } }),
                )
              }
            >
              Revoke<span className="visually-hidden"> {name}</span>
            </button>
          )}
          <button
            type="button"
            className="danger small"
            disabled={action.busy}
            onClick={() => void action.run(() => api.delete({ plural: 'apitokens', name }))}
          >
            Delete<span className="visually-hidden"> {name}</span>
          </button>
        </div>
        <ErrorNotice error={action.error} />
      </td>
    </tr>
  );
}

export function TokensPanel({ user }: { user: string }) {
  const { items, error } = useLiveList<APIToken>({ plural: 'apitokens' });
  const [shown, setShown] = useState<{ name: string; token: string } | undefined>();
  const mine = items?.filter((t) => t.spec.user === user);

  const created = (token: APIToken) => {
    const secret = token.status?.token;
    if (secret !== undefined) setShown({ name: token.metadata.name, token: secret });
  };

  return (
    <section className="panel" aria-labelledby="tokens-title">
      <h2 id="tokens-title">API tokens</h2>
      <p className="help">
        For the CLI and scripts: <code>Authorization: Bearer slw_…</code>. A token acts as you.
      </p>
      {shown && (
        <ShownOnce token={shown.token} name={shown.name} onDismiss={() => setShown(undefined)} />
      )}
      <ListState
        items={mine}
        error={error}
        errorTitle="Could not load your tokens"
        what="tokens"
        empty="You have no API tokens."
      >
        {(list) => (
          <DataTable
            testId="tokens"
            caption="Your API tokens"
            columns={['Name', 'Prefix', 'State', 'Expires', 'Last used', 'Actions']}
          >
            {list.map((t) => (
              <TokenRow key={t.metadata.name} token={t} />
            ))}
          </DataTable>
        )}
      </ListState>
      <NewTokenForm user={user} onCreated={created} />
    </section>
  );
}
