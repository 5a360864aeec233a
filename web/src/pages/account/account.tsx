// "My account", for every signed-in user: who they are, their projects, their password
// and their API tokens.
import { useUser } from '../../auth.tsx';
import '../../components/admin/admin.css';
import { SetPasswordForm } from '../admin/set-password.tsx';
import { TokensPanel } from './tokens.tsx';

export function AccountPage() {
  const user = useUser();
  return (
    <section aria-labelledby="account-title" className="stack">
      <h1 id="account-title">My account</h1>
      <section className="panel" aria-labelledby="whoami-title">
        <h2 id="whoami-title">Signed in as {user.username}</h2>
        <dl className="summary">
          <dt>Administrator</dt>
          <dd>{user.admin ? 'yes' : 'no'}</dd>
          <dt>Groups</dt>
          <dd>{user.groups.join(', ') || '—'}</dd>
          <dt>Projects</dt>
          <dd>{user.projects.map((p) => `${p.name} (${p.role})`).join(', ') || 'none'}</dd>
        </dl>
      </section>
      <section className="panel form-panel" aria-labelledby="own-password-title">
        <h2 id="own-password-title">Change my password</h2>
        <SetPasswordForm user={user.username} own idPrefix="own-password" />
      </section>
      <TokensPanel user={user.username} />
    </section>
  );
}
