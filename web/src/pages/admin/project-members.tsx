// A project's members: users and groups with their roles. Administrators and the
// project's owners add and remove them (the whole list is written back with a merge
// patch); everyone else reads.
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { useAuth } from '../../auth.tsx';
import { useAction } from '../../components/action.ts';
import { placeErrors } from '../../components/admin/errors.ts';
import { CreateForm } from '../../components/admin/create-form.tsx';
import { SelectField, TextField } from '../../components/admin/fields.tsx';
import type { FullProject, ProjectMember } from '../../components/admin/types.ts';
import { ErrorNotice, Notice } from '../../components/notice.tsx';
import { DataTable } from '../../components/table.tsx';
import { roleOptions } from './projects.tsx';

function who(m: ProjectMember): string {
  return m.user !== undefined ? `user ${m.user}` : `group ${m.group ?? ''}`;
}

export function ProjectMembers(props: { project: FullProject; editable: boolean }) {
  const { refresh } = useAuth();
  const name = props.project.metadata.name;
  const members = props.project.spec.members ?? [];
  const [kind, setKind] = useState('user');
  const [subject, setSubject] = useState('');
  const [role, setRole] = useState<string>('member');
  const add = useAction();
  const remove = useAction();
  const placed = placeErrors(add.error, ['spec.members'], 'spec.members');

  const write = (next: ProjectMember[]) =>
    api.mergePatch({ plural: 'projects', name }, { spec: { members: next } }).then(() => refresh());

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const entry = { [kind]: subject.trim(), role } as unknown as ProjectMember;
    const others = members.filter((m) => !(m[kind as 'user' | 'group'] === subject.trim()));
    if (await add.run(() => write([...others, entry]))) setSubject('');
  };

  return (
    <section className="panel" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      {members.length === 0 ? (
        <Notice kind="empty">No members: only administrators can use this project.</Notice>
      ) : (
        <DataTable
          testId="members"
          caption={<>Members of {name}</>}
          columns={['Member', 'Role', props.editable && 'Actions']}
        >
          {members.map((m, i) => (
            <tr key={`${who(m)}`} data-member={m.user ?? m.group}>
              <th scope="row">{who(m)}</th>
              <td data-label="Role">{m.role}</td>
              {props.editable && (
                <td data-label="Actions">
                  <button
                    type="button"
                    className="secondary small"
                    disabled={remove.busy}
                    onClick={() => void remove.run(() => write(members.filter((_, j) => j !== i)))}
                  >
                    Remove<span className="visually-hidden"> {who(m)}</span>
                  </button>
                </td>
              )}
            </tr>
          ))}
        </DataTable>
      )}
      <ErrorNotice error={remove.error} title="The member was not removed" />
      {props.editable && (
        <CreateForm
          titleId="add-member-title"
          title="Add a member"
          heading="h3"
          action={add}
          other={placed.other}
          errorTitle="The member was not added"
          onSubmit={submit}
          submitLabel="Add member"
          ready={subject.trim() !== ''}
        >
          <SelectField
            id="member-kind"
            label="Kind"
            value={kind}
            onValue={setKind}
            options={[
              { value: 'user', label: 'user' },
              { value: 'group', label: 'group' },
            ]}
          />
          <TextField
            id="member-name"
            label={kind === 'user' ? 'User name' : 'Group'}
            required
            autoComplete="off"
            value={subject}
            onValue={setSubject}
            help="Adding someone already listed changes their role."
            errors={placed.byField['spec.members']}
          />
          <SelectField
            id="member-role"
            label="Role"
            value={role}
            onValue={setRole}
            options={roleOptions}
          />
        </CreateForm>
      )}
    </section>
  );
}
