// Set a user's password (PUT /apis/slipway.dev/v1alpha1/users/NAME/password). Admins set
// anyone's without the current one; a user changing their own gives `currentPassword`.
// The server's minimum length and mismatches come back beside the field.
import { useState, type FormEvent } from 'react';
import { apiJson, resourcePath } from '../../api/client.ts';
import { useAction } from '../../components/action.ts';
import { placeErrors } from '../../components/admin/errors.ts';
import { FormErrors } from '../../components/admin/form-errors.tsx';
import { TextField } from '../../components/admin/fields.tsx';

/** The request the form sends; exported for the user-creation form. */
export function putPassword(user: string, password: string, currentPassword?: string) {
  const body: Record<string, string> = { password };
  if (currentPassword !== undefined) body['currentPassword'] = currentPassword;
  return apiJson<unknown>(
    'PUT',
    resourcePath({ plural: 'users', name: user, subresource: 'password' }),
    { body },
  );
}

export function SetPasswordForm(props: {
  user: string;
  /** Ask for the current password (a user changing their own). */
  own?: boolean;
  idPrefix: string;
  onDone?: () => void;
}) {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [current, setCurrent] = useState('');
  const [changed, setChanged] = useState(false);
  const action = useAction();
  const placed = placeErrors(action.error, ['password', 'currentPassword'], 'password');
  const mismatch = repeat !== '' && repeat !== password ? ['the two passwords differ'] : [];
  const id = (name: string) => `${props.idPrefix}-${name}`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== repeat) return;
    setChanged(false);
    const ok = await action.run(() =>
      putPassword(props.user, password, props.own ? current : undefined),
    );
    if (ok) {
      setPassword('');
      setRepeat('');
      setCurrent('');
      setChanged(true);
      props.onDone?.();
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-label={`Password of ${props.user}`} noValidate>
      <FormErrors error={action.error} other={placed.other} title="The password was not changed" />
      {props.own && (
        <TextField
          id={id('current')}
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onValue={setCurrent}
          errors={placed.byField['currentPassword']}
        />
      )}
      <TextField
        id={id('new')}
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        minLength={12}
        value={password}
        onValue={setPassword}
        help="At least 12 characters."
        errors={placed.byField['password']}
      />
      <TextField
        id={id('repeat')}
        label="New password again"
        type="password"
        autoComplete="new-password"
        required
        value={repeat}
        onValue={setRepeat}
        errors={mismatch}
      />
      {changed && (
        <p role="status" className="status-true">
          Password changed.
        </p>
      )}
      <div className="actions">
        <button
          type="submit"
          disabled={
            action.busy ||
            password === '' ||
            password !== repeat ||
            (props.own === true && current === '')
          }
        >
          {action.busy ? 'Saving…' : 'Set password'}
        </button>
      </div>
    </form>
  );
}
