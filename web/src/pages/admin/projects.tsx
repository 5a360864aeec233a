// Projects: administrators see every one and create new ones (with a first member);
// everyone else sees the projects they belong to (the server filters the list).
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { useLiveList } from '../../api/hooks.ts';
import type { ProjectRole } from '../../api/types.ts';
import { roleIn, useAuth, useUser } from '../../auth.tsx';
import { useAction } from '../../components/action.ts';
import '../../components/admin/admin.css';
import { placeErrors } from '../../components/admin/errors.ts';
import { CreateForm } from '../../components/admin/create-form.tsx';
import { SelectField, TextField } from '../../components/admin/fields.tsx';
import { CreatableListPage } from '../../components/admin/list-page.tsx';
import type { FullProject } from '../../components/admin/types.ts';
import { ListState } from '../../components/list-state.tsx';
import { DataTable } from '../../components/table.tsx';
import { Link, navigate } from '../../router.tsx';
import { projectPath } from './paths.ts';

export const roleOptions: { value: ProjectRole; label: string }[] = [
  { value: 'owner', label: 'owner' },
  { value: 'member', label: 'member' },
  { value: 'viewer', label: 'viewer' },
];

const fields = ['metadata.name', 'spec.displayName', 'spec.description', 'spec.members'];

function NewProjectForm(props: { onDone: () => void }) {
  const { refresh } = useAuth();
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [description, setDescription] = useState('');
  const [member, setMember] = useState('');
  const [role, setRole] = useState<string>('owner');
  const action = useAction();
  const placed = placeErrors(action.error, fields, 'metadata.name');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const spec: Record<string, unknown> = {};
    if (displayName !== '') spec['displayName'] = displayName;
    if (description !== '') spec['description'] = description;
    if (member.trim() !== '') spec['members'] = [{ user: member.trim(), role }];
    const ok = await action.run(() =>
      api.create(
        { plural: 'projects' },
        { apiVersion: 'slipway.dev/v1alpha1', kind: 'Project', metadata: { name }, spec },
      ),
    );
    if (ok) {
      void refresh();
      navigate(projectPath(name));
    }
  };

  return (
    <CreateForm
      titleId="project-form-title"
      title="New project"
      className="panel form-panel"
      action={action}
      other={placed.other}
      errorTitle="The project was not created"
      onSubmit={submit}
      onCancel={props.onDone}
      submitLabel="Create project"
      busyLabel="Creating…"
      ready={name !== ''}
    >
      <TextField
        id="project-name"
        autoFocus
        label="Name"
        required
        value={name}
        onValue={setName}
        help="Also the name of its namespace: lower-case letters, digits and “-”."
        errors={placed.byField['metadata.name']}
      />
      <TextField
        id="project-display"
        label="Display name"
        value={displayName}
        onValue={setDisplayName}
        errors={placed.byField['spec.displayName']}
      />
      <div className="wide">
        <TextField
          id="project-description"
          label="Description"
          value={description}
          onValue={setDescription}
          errors={placed.byField['spec.description']}
        />
      </div>
      <TextField
        id="project-member"
        label="First member (user name)"
        autoComplete="off"
        value={member}
        onValue={setMember}
        help="Optional; more members on the project's page."
        errors={placed.byField['spec.members']}
      />
      <SelectField
        id="project-member-role"
        label="Their role"
        value={role}
        onValue={setRole}
        options={roleOptions}
      />
    </CreateForm>
  );
}

function usageText(project: FullProject): string {
  const used = project.status?.usage?.clusters ?? 0;
  const limit = project.spec.quota?.clusters ?? project.spec.quotaLimit?.clusters;
  return limit === undefined ? `${used}` : `${used} of ${limit}`;
}

export function ProjectsPage() {
  const user = useUser();
  const { items, error } = useLiveList<FullProject>({ plural: 'projects' });
  return (
    <CreatableListPage
      titleId="projects-title"
      title="Projects"
      newLabel="New project"
      canCreate={user.admin}
      form={(done) => <NewProjectForm onDone={done} />}
    >
      <ListState
        items={items}
        error={error}
        errorTitle="Could not load the projects"
        what="projects"
        empty={user.admin ? 'No projects yet.' : 'You are not a member of any project.'}
      >
        {(list) => (
          <DataTable
            testId="projects"
            caption="Projects"
            columns={['Name', 'Members', 'Clusters', 'Your role']}
          >
            {list.map((p) => (
              <tr key={p.metadata.name} data-project={p.metadata.name}>
                <th scope="row">
                  <Link to={projectPath(p.metadata.name)}>{p.metadata.name}</Link>
                  {p.spec.displayName && <div className="help">{p.spec.displayName}</div>}
                </th>
                <td data-label="Members">{p.spec.members?.length ?? 0}</td>
                <td data-label="Clusters">{usageText(p)}</td>
                <td data-label="Your role">{roleIn(user, p.metadata.name) ?? '—'}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </ListState>
    </CreatableListPage>
  );
}
