// Users, for administrators: the list (live), a new user with an optional first password,
// disabling and enabling, and setting a password.
import { useRef, useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { useLiveList } from '../../api/hooks.ts';
import { useUser } from '../../auth.tsx';
import { useAction } from '../../components/action.ts';
import '../../components/admin/admin.css';
import { placeErrors } from '../../components/admin/errors.ts';
import { CreateForm } from '../../components/admin/create-form.tsx';
import { splitList, TextField } from '../../components/admin/fields.tsx';
import { CreatableListPage } from '../../components/admin/list-page.tsx';
import type { User } from '../../components/admin/types.ts';
import { Time } from '../../components/format.tsx';
import { ListState } from '../../components/list-state.tsx';
import { ErrorNotice } from '../../components/notice.tsx';
import { DataTable } from '../../components/table.tsx';
import { putPassword, SetPasswordForm } from './set-password.tsx';

const fields = ['metadata.name', 'spec.displayName', 'spec.email', 'spec.groups', 'password'];

function NewUserForm(props: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [groups, setGroups] = useState('');
  const [admin, setAdmin] = useState(false);
  const [password, setPassword] = useState('');
  const [created, setCreated] = useState<string | undefined>();
  const action = useAction();
  const placed = placeErrors(action.error, fields, created === name ? 'password' : 'metadata.name');
  const title =
    created === name
      ? `User ${name} was created, but the password was not set`
      : 'The user was not created';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const spec: Record<string, unknown> = {};
    if (displayName !== '') spec['displayName'] = displayName;
    if (email !== '') spec['email'] = email;
    if (admin) spec['admin'] = true;
    const groupList = splitList(groups);
    if (groupList.length > 0) spec['groups'] = groupList;
    const ok = await action.run(async () => {
      // A retry after the password was refused does not create the user again.
      if (created !== name) {
        await api.create(
          { plural: 'users' },
          { apiVersion: 'slipway.dev/v1alpha1', kind: 'User', metadata: { name }, spec },
        );
        setCreated(name);
      }
      if (password !== '') await putPassword(name, password);
    });
    if (ok) props.onDone();
  };

  return (
    <CreateForm
      titleId="user-form-title"
      title="New user"
      className="panel form-panel"
      action={action}
      other={placed.other}
      errorTitle={title}
      onSubmit={submit}
      onCancel={props.onDone}
      submitLabel="Create user"
      busyLabel="Creating…"
      ready={name !== ''}
    >
      <TextField
        id="user-name"
        autoFocus
        label="User name"
        required
        autoComplete="off"
        value={name}
        onValue={setName}
        errors={placed.byField['metadata.name']}
      />
      <TextField
        id="user-display"
        label="Display name"
        value={displayName}
        onValue={setDisplayName}
        errors={placed.byField['spec.displayName']}
      />
      <TextField
        id="user-email"
        label="Email"
        type="email"
        value={email}
        onValue={setEmail}
        errors={placed.byField['spec.email']}
      />
      <TextField
        id="user-groups"
        label="Groups"
        value={groups}
        onValue={setGroups}
        help="Separated by commas; project members may name a group."
        errors={placed.byField['spec.groups']}
      />
      <TextField
        id="user-password"
        label="First password"
        type="password"
        autoComplete="new-password"
        value={password}
        onValue={setPassword}
        help="Optional: at least 12 characters. Without one the user cannot sign in until a password is set."
        errors={placed.byField['password']}
      />
      <div className="field">
        <label>
          <input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} />{' '}
          Administrator
        </label>
      </div>
    </CreateForm>
  );
}

function PasswordDialog({ user }: { user: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="secondary small"
        onClick={() => {
          setOpen(true);
          dialog.current?.showModal();
        }}
      >
        Set password<span className="visually-hidden"> of {user}</span>
      </button>
      <dialog
        ref={dialog}
        aria-labelledby={`password-title-${user}`}
        onClose={() => setOpen(false)}
      >
        <h2 id={`password-title-${user}`}>Set the password of {user}</h2>
        {open && <SetPasswordForm user={user} idPrefix={`password-${user}`} />}
        <div className="actions">
          <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </div>
      </dialog>
    </>
  );
}

function DisableButton({ user, self }: { user: User; self: boolean }) {
  const action = useAction();
  const disabled = user.spec.disabled === true;
  const toggle = () =>
    void action.run(() =>
      api.mergePatch(
        { plural: 'users', name: user.metadata.name },
        { spec: { disabled: !disabled } },
      ),
    );
  return (
    <>
      <button
        type="button"
        className={disabled ? 'secondary small' : 'danger small'}
        disabled={action.busy || (self && !disabled)}
        title={self && !disabled ? 'You cannot disable yourself' : undefined}
        onClick={toggle}
      >
        {disabled ? 'Enable' : 'Disable'}
        <span className="visually-hidden"> {user.metadata.name}</span>
      </button>
      <ErrorNotice error={action.error} />
    </>
  );
}

function UsersTable({ items, me }: { items: User[]; me: string }) {
  return (
    <DataTable
      testId="users"
      caption="Users"
      columns={['User', 'Groups', 'Status', 'Last sign-in', 'Actions']}
    >
      {items.map((u) => (
        <tr key={u.metadata.name} data-user={u.metadata.name}>
          <th scope="row">
            {u.metadata.name}
            {u.spec.admin && <span className="badge badge-busy"> admin</span>}
            {(u.spec.displayName ?? u.spec.email) && (
              <div className="help">
                {[u.spec.displayName, u.spec.email].filter(Boolean).join(' · ')}
              </div>
            )}
          </th>
          <td data-label="Groups">{(u.spec.groups ?? []).join(', ') || '—'}</td>
          <td data-label="Status">
            {u.spec.disabled ? (
              <span className="status-false">Disabled</span>
            ) : (
              <span className="status-true">Active</span>
            )}
          </td>
          <td data-label="Last sign-in">
            <Time value={u.status?.lastLoginTime} />
          </td>
          <td data-label="Actions">
            <div className="row-actions">
              <PasswordDialog user={u.metadata.name} />
              <DisableButton user={u} self={u.metadata.name === me} />
            </div>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

export function UsersPage() {
  const me = useUser();
  const { items, error } = useLiveList<User>({ plural: 'users' });
  return (
    <CreatableListPage
      titleId="users-title"
      title="Users"
      newLabel="New user"
      canCreate
      form={(done) => <NewUserForm onDone={done} />}
    >
      <ListState
        items={items}
        error={error}
        errorTitle="Could not load the users"
        what="users"
        empty="No users."
      >
        {(list) => <UsersTable items={list} me={me.username} />}
      </ListState>
    </CreatableListPage>
  );
}
