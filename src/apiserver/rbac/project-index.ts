// Who has which role in which project, kept current from a store watch of Projects
// (list, then watch from the list's revision; a watch that ends or answers 410 Gone
// relists). Authorization reads it on every request, so it answers from memory. It is
// eventually consistent with the store, like Kubernetes' RBAC informers: a membership
// change takes effect within a watch round trip (milliseconds in one process).
import type { ProjectRoles } from '../../api/index.ts';
import { projectKind, type AnyResource, type Project } from '../../api/index.ts';
import type { Store, Watch } from '../../store/types.ts';
import type { UserInfo } from '../authn.ts';

export type ProjectRole = (typeof ProjectRoles)[number];

/** One project a user belongs to, as `/auth/whoami` reports it. */
export interface ProjectMembership {
  name: string;
  role: ProjectRole;
}

/** owner > member > viewer: a user listed twice (by name and by group) gets the higher role. */
const rank: Record<ProjectRole, number> = { viewer: 1, member: 2, owner: 3 };

/** The roles `user` holds, by project (= namespace) name, from one project's members. */
export function roleIn(project: Project, user: UserInfo): ProjectRole | undefined {
  let best: ProjectRole | undefined;
  for (const member of project.spec.members ?? []) {
    const matches =
      (member.user !== undefined && member.user === user.username) ||
      (member.group !== undefined && user.groups.includes(member.group));
    if (matches && (best === undefined || rank[member.role] > rank[best])) best = member.role;
  }
  return best;
}

export interface ProjectIndexOptions {
  store: Store;
  /** Wait between a failed list or watch and the next try; default 500 ms. */
  retryDelayMs?: number;
  /** Told about list/watch failures (never about objects). */
  onError?: (err: unknown) => void;
}

export class ProjectIndex {
  readonly #store: Store;
  readonly #retryDelayMs: number;
  readonly #onError: (err: unknown) => void;
  #projects = new Map<string, Project>();
  #version = 0;
  #watch: Watch | undefined;
  #stopped = false;
  #started: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  readonly #listeners = new Set<() => void>();

  constructor(opts: ProjectIndexOptions) {
    this.#store = opts.store;
    this.#retryDelayMs = opts.retryDelayMs ?? 500;
    this.#onError = opts.onError ?? (() => {});
  }

  /**
   * Starts the index on first use: lists the projects (resolves once they are known),
   * then keeps watching until stop(). Servers that only admins use never open the watch.
   * Call before reading roles; later calls resolve at once.
   */
  ready(): Promise<void> {
    this.#started ??= this.#relist().then(
      (revision) => {
        this.#loop = this.#run(revision);
      },
      (err: unknown) => {
        this.#started = undefined; // the next caller tries again
        throw err;
      },
    );
    return this.#started;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#started?.catch(() => undefined);
    this.#watch?.close();
    await this.#loop;
  }

  /** Increases on every change; lets callers cache what they derived from the index. */
  get version(): number {
    return this.#version;
  }

  /** Called after every change (tests wait on it). Returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  project(name: string): Project | undefined {
    return this.#projects.get(name);
  }

  projects(): Project[] {
    return [...this.#projects.values()];
  }

  /** The caller's role in each project (namespace) they belong to, by user name or group. */
  rolesOf(user: UserInfo): Map<string, ProjectRole> {
    const roles = new Map<string, ProjectRole>();
    for (const [name, project] of this.#projects) {
      const role = roleIn(project, user);
      if (role !== undefined) roles.set(name, role);
    }
    return roles;
  }

  /** `projectRolesOf` once the index is started (it starts on first use). */
  async membershipsOf(user: UserInfo): Promise<ProjectMembership[]> {
    await this.ready();
    return this.projectRolesOf(user);
  }

  /** `rolesOf` as a sorted list, for `/auth/whoami`; empty until `ready()` resolved. */
  projectRolesOf(user: UserInfo): ProjectMembership[] {
    return [...this.rolesOf(user)]
      .map(([name, role]) => ({ name, role }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async #relist(): Promise<string> {
    const result = await this.#store.list<Project>(projectKind.kind);
    this.#projects = new Map(result.items.map((p) => [p.metadata.name, p]));
    this.#changed();
    return result.resourceVersion;
  }

  async #run(from: string): Promise<void> {
    let revision: string | undefined = from;
    while (!this.#stopped) {
      try {
        revision ??= await this.#relist();
        this.#watch = await this.#store.watch({
          kind: projectKind.kind,
          resourceVersion: revision,
        });
        if (this.#stopped) this.#watch.close();
        let events = 0;
        for await (const event of this.#watch) {
          events++;
          if (event.type === 'BOOKMARK') continue;
          this.#apply(event.type, event.object);
          revision = event.object.metadata.resourceVersion ?? revision;
        }
        // The watch ended (store closing, consumer too slow): resume from the last
        // revision, after a pause if it brought nothing, so a closing store is not hammered.
        if (events === 0 && !this.#stopped) await this.#pause();
      } catch (err: unknown) {
        if (this.#stopped) return;
        // Gone or anything else: start again from a fresh list, after a pause.
        this.#onError(err);
        revision = undefined;
        await this.#pause();
      }
    }
  }

  #pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.#retryDelayMs));
  }

  #apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: AnyResource): void {
    const name = object.metadata.name;
    if (type === 'DELETED') this.#projects.delete(name);
    else this.#projects.set(name, object as Project);
    this.#changed();
  }

  #changed(): void {
    this.#version++;
    for (const listener of this.#listeners) listener();
  }
}
