// The project switcher. Members see the projects whoami lists; administrators see every
// Project plus the namespaces without one (default, slipway-system). The choice lives in
// the URL (`/projects/NAME/...`) and is remembered for the next visit.
import { useEffect, useState } from 'react';
import { api } from './api/client.ts';
import type { Project, WhoAmI } from './api/types.ts';
import { systemNamespace } from './api/types.ts';
import { buildPath, matchPath, navigate } from './router.tsx';
import { clustersPath, routes } from './routes.tsx';

const rememberKey = 'slipway.project';

export interface ProjectChoice {
  name: string;
  label: string;
}

/** Namespaces an administrator may pick besides the projects. */
const adminNamespaces = ['default', systemNamespace];

/** The projects (and for admins, namespaces) the caller can switch between. */
export function useProjectChoices(user: WhoAmI): ProjectChoice[] {
  const fromWhoami = user.projects.map((p) => ({ name: p.name, label: `${p.name} (${p.role})` }));
  const [choices, setChoices] = useState<ProjectChoice[]>(fromWhoami);
  const admin = user.admin;
  const key = user.projects.map((p) => `${p.name}:${p.role}`).join(',');
  useEffect(() => {
    let current = true;
    const mine = user.projects.map((p) => ({ name: p.name, label: `${p.name} (${p.role})` }));
    setChoices(mine);
    if (!admin) return undefined;
    api.list<Project>({ plural: 'projects' }).then(
      (list) => {
        if (!current) return;
        const names = new Set(list.items.map((p) => p.metadata.name));
        const projects = list.items.map((p) => ({
          name: p.metadata.name,
          label: p.spec.displayName
            ? `${p.spec.displayName} (${p.metadata.name})`
            : p.metadata.name,
        }));
        const namespaces = adminNamespaces
          .filter((n) => !names.has(n))
          .map((n) => ({ name: n, label: `${n} (namespace)` }));
        setChoices([...projects, ...namespaces]);
      },
      () => {
        if (current) setChoices([...mine, ...adminNamespaces.map((n) => ({ name: n, label: n }))]);
      },
    );
    return () => {
      current = false;
    };
    // `key` stands for user.projects, which is a new array on every whoami.
  }, [admin, key]);
  return choices;
}

/** The project to open when the URL names none: the last one used, else the first. */
export function defaultProject(user: WhoAmI): string | undefined {
  const remembered = window.localStorage.getItem(rememberKey);
  if (remembered && (user.admin || user.projects.some((p) => p.name === remembered))) {
    return remembered;
  }
  return user.projects[0]?.name ?? (user.admin ? 'default' : undefined);
}

export function rememberProject(name: string): void {
  window.localStorage.setItem(rememberKey, name);
}

/** Go to the same page in another project (or its cluster list when the page is not per project). */
function switchTo(project: string, path: string): void {
  rememberProject(project);
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params && 'project' in params && !('name' in params)) {
      navigate(buildPath(route.path, { ...params, project }));
      return;
    }
  }
  navigate(clustersPath(project));
}

export function ProjectSwitcher(props: {
  user: WhoAmI;
  current: string | undefined;
  path: string;
}) {
  const choices = useProjectChoices(props.user);
  const listed = choices.some((c) => c.name === props.current);
  return (
    <label className="project-switcher">
      <span>Project</span>
      <select
        value={props.current ?? ''}
        onChange={(event) => switchTo(event.target.value, props.path)}
      >
        {props.current === undefined && <option value="">Choose a project</option>}
        {props.current !== undefined && !listed && (
          <option value={props.current}>{props.current}</option>
        )}
        {choices.map((choice) => (
          <option key={choice.name} value={choice.name}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  );
}
