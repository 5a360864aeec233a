// One project: summary and conditions, members, quota against usage, grants and
// lifetime. What the caller may change follows their role (administrators everything,
// owners members and quota, others nothing); the server has the last word.
import { api } from '../../api/client.ts';
import { useLiveList } from '../../api/hooks.ts';
import { roleIn, useAuth, useUser } from '../../auth.tsx';
import { useAction } from '../../components/action.ts';
import '../../components/admin/admin.css';
import type { FullProject } from '../../components/admin/types.ts';
import { ConfirmByName } from '../../components/confirm-by-name.tsx';
import { ErrorNotice, Loading, Notice } from '../../components/notice.tsx';
import { Link, navigate } from '../../router.tsx';
import { clustersPath } from '../../routes.tsx';
import { projectsPath } from './paths.ts';
import { ProjectMembers } from './project-members.tsx';
import { ProjectPolicy } from './project-policy.tsx';
import { ProjectQuota } from './project-quota.tsx';

/** Green for good news: Ready True, but QuotaExceeded False. */
function conditionClass(type: string, status: string): string {
  const good = type === 'QuotaExceeded' ? status === 'False' : status === 'True';
  return status === 'Unknown' ? '' : good ? 'status-true' : 'status-false';
}

function DeleteProject({ name }: { name: string }) {
  const { refresh } = useAuth();
  const action = useAction();
  const confirm = async (close: () => void) => {
    if (await action.run(() => api.delete({ plural: 'projects', name }))) {
      close();
      void refresh();
      navigate(projectsPath);
    }
  };
  return (
    <ConfirmByName
      name={name}
      openLabel="Delete project"
      titleId="delete-project-title"
      title={<>Delete project {name}?</>}
      inputId="delete-project-confirm"
      inputLabel="Project name"
      error={action.error}
      busy={action.busy}
      onConfirm={confirm}
    >
      <p>
        Its namespace goes with it, and every cluster in it is destroyed. Type the project’s name to
        confirm.
      </p>
    </ConfirmByName>
  );
}

export function ProjectDetailPage({ name }: { name: string }) {
  const user = useUser();
  const { items, error } = useLiveList<FullProject>({ plural: 'projects' });
  const project = items?.find((p) => p.metadata.name === name);
  const role = roleIn(user, name);
  const admin = role === 'admin';
  const owner = role === 'owner';

  return (
    <section aria-labelledby="project-title" className="stack">
      <div className="page-header">
        <div>
          <p className="breadcrumb">
            <Link to={projectsPath}>Projects</Link> /
          </p>
          <h1 id="project-title">{project?.spec.displayName ?? name}</h1>
        </div>
        <div className="row-actions">
          <Link className="button secondary" to={clustersPath(name)}>
            Clusters
          </Link>
          {admin && project && <DeleteProject name={name} />}
        </div>
      </div>
      <ErrorNotice error={error} title="Could not load the project" />
      {items === undefined && !error && <Loading what="the project" />}
      {items !== undefined && !project && (
        <Notice kind="error">There is no project {name}, or you are not one of its members.</Notice>
      )}
      {project && (
        <>
          <section className="panel" aria-labelledby="summary-title">
            <h2 id="summary-title">Summary</h2>
            <dl className="summary">
              <dt>Name</dt>
              <dd>{name}</dd>
              <dt>Description</dt>
              <dd>{project.spec.description ?? '—'}</dd>
              <dt>Your role</dt>
              <dd>{role ?? 'none'}</dd>
              {(project.status?.conditions ?? []).map((c) => (
                <div key={c.type} style={{ display: 'contents' }}>
                  <dt>{c.type}</dt>
                  <dd className={conditionClass(c.type, c.status)}>
                    {c.status}
                    {c.message ? ` — ${c.message}` : ''}
                  </dd>
                </div>
              ))}
            </dl>
          </section>
          <ProjectMembers project={project} editable={admin || owner} />
          <ProjectQuota project={project} editQuota={admin || owner} editLimit={admin} />
          <ProjectPolicy project={project} editable={admin} />
        </>
      )}
    </section>
  );
}
