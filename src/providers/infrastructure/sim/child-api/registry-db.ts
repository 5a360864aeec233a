// The simulated clusters' SQLite file (`<dataDir>/sim/clusters.db`): clusters, every
// object of every cluster as JSON, resources learned from writes, and the revision
// counter. Synchronous (node:sqlite), one transaction per change.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SimClusterInit } from '../child-cluster-types.ts';
import type { KubeObject, ObjectRef } from './objects.ts';

const schema = `
CREATE TABLE IF NOT EXISTS sim_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sim_clusters (id TEXT PRIMARY KEY, init TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sim_objects (
  cluster TEXT NOT NULL,
  grp TEXT NOT NULL,
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  revision INTEGER NOT NULL,
  node_name TEXT,
  body TEXT NOT NULL,
  PRIMARY KEY (cluster, grp, kind, namespace, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sim_objects_by_node ON sim_objects (cluster, node_name)
  WHERE node_name IS NOT NULL;
CREATE TABLE IF NOT EXISTS sim_resources (
  cluster TEXT NOT NULL,
  grp TEXT NOT NULL,
  version TEXT NOT NULL,
  plural TEXT NOT NULL,
  kind TEXT NOT NULL,
  namespaced INTEGER NOT NULL,
  PRIMARY KEY (cluster, grp, plural)
) WITHOUT ROWID;
`;

/** A resource (plural name) learned from a write, for discovery. */
export interface LearnedResource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export function simDatabasePath(dataDir: string): string {
  return join(dataDir, 'sim', 'clusters.db');
}

export class SimDatabase {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(dataDir: string) {
    mkdirSync(join(dataDir, 'sim'), { recursive: true, mode: 0o700 });
    this.#db = new DatabaseSync(simDatabasePath(dataDir), { timeout: 5000 });
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('PRAGMA synchronous = NORMAL');
    this.#db.exec(schema);
  }

  #stmt(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  transaction<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (err: unknown) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  revision(): number {
    const row = this.#stmt(`SELECT value FROM sim_meta WHERE key = 'revision'`).get();
    return Number(row?.['value'] ?? 0);
  }

  setRevision(revision: number): void {
    this.#stmt(
      `INSERT INTO sim_meta (key, value) VALUES ('revision', ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ).run(String(revision));
  }

  cluster(id: string): SimClusterInit | undefined {
    const row = this.#stmt('SELECT init FROM sim_clusters WHERE id = ?').get(id);
    return row ? (JSON.parse(String(row['init'])) as SimClusterInit) : undefined;
  }

  clusterIds(): string[] {
    return this.#stmt('SELECT id FROM sim_clusters ORDER BY id')
      .all()
      .map((row) => String(row['id']));
  }

  putCluster(init: SimClusterInit): void {
    this.#stmt(
      `INSERT INTO sim_clusters (id, init) VALUES (?, ?)
       ON CONFLICT (id) DO UPDATE SET init = excluded.init`,
    ).run(init.id, JSON.stringify(init));
  }

  deleteCluster(id: string): void {
    this.#stmt('DELETE FROM sim_objects WHERE cluster = ?').run(id);
    this.#stmt('DELETE FROM sim_resources WHERE cluster = ?').run(id);
    this.#stmt('DELETE FROM sim_clusters WHERE id = ?').run(id);
  }

  object(cluster: string, ref: ObjectRef): KubeObject | undefined {
    const row = this.#stmt(
      `SELECT body FROM sim_objects
       WHERE cluster = ? AND grp = ? AND kind = ? AND namespace = ? AND name = ?`,
    ).get(cluster, ref.group, ref.kind, ref.namespace, ref.name);
    return row ? (JSON.parse(String(row['body'])) as KubeObject) : undefined;
  }

  /** Objects of one kind, ordered by namespace and name; all namespaces when `namespace` is undefined. */
  objects(cluster: string, group: string, kind: string, namespace?: string): KubeObject[] {
    const params: SQLInputValue[] = [cluster, group, kind];
    let sql = 'SELECT body FROM sim_objects WHERE cluster = ? AND grp = ? AND kind = ?';
    if (namespace !== undefined) {
      sql += ' AND namespace = ?';
      params.push(namespace);
    }
    sql += ' ORDER BY namespace, name';
    return this.#stmt(sql)
      .all(...params)
      .map((row) => JSON.parse(String(row['body'])) as KubeObject);
  }

  /** Every object in a namespace (for namespace deletion). */
  objectsInNamespace(cluster: string, namespace: string): KubeObject[] {
    return this.#stmt(`SELECT body FROM sim_objects WHERE cluster = ? AND namespace = ?`)
      .all(cluster, namespace)
      .map((row) => JSON.parse(String(row['body'])) as KubeObject);
  }

  podsOnNode(cluster: string, nodeName: string): KubeObject[] {
    return this.#stmt(
      `SELECT body FROM sim_objects WHERE cluster = ? AND node_name = ? ORDER BY namespace, name`,
    )
      .all(cluster, nodeName)
      .map((row) => JSON.parse(String(row['body'])) as KubeObject);
  }

  putObject(
    cluster: string,
    ref: ObjectRef,
    revision: number,
    nodeName: string | undefined,
    obj: KubeObject,
  ): void {
    this.#stmt(
      `INSERT INTO sim_objects (cluster, grp, kind, namespace, name, revision, node_name, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (cluster, grp, kind, namespace, name) DO UPDATE SET
         revision = excluded.revision, node_name = excluded.node_name, body = excluded.body`,
    ).run(
      cluster,
      ref.group,
      ref.kind,
      ref.namespace,
      ref.name,
      revision,
      nodeName ?? null,
      JSON.stringify(obj),
    );
  }

  deleteObject(cluster: string, ref: ObjectRef): void {
    this.#stmt(
      `DELETE FROM sim_objects
       WHERE cluster = ? AND grp = ? AND kind = ? AND namespace = ? AND name = ?`,
    ).run(cluster, ref.group, ref.kind, ref.namespace, ref.name);
  }

  learnedResources(cluster: string): LearnedResource[] {
    return this.#stmt(
      'SELECT grp, version, plural, kind, namespaced FROM sim_resources WHERE cluster = ?',
    )
      .all(cluster)
      .map((row) => ({
        group: String(row['grp']),
        version: String(row['version']),
        plural: String(row['plural']),
        kind: String(row['kind']),
        namespaced: Number(row['namespaced']) === 1,
      }));
  }

  learnResource(cluster: string, resource: LearnedResource): void {
    this.#stmt(
      `INSERT INTO sim_resources (cluster, grp, version, plural, kind, namespaced)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (cluster, grp, plural) DO UPDATE SET
         version = excluded.version, kind = excluded.kind, namespaced = excluded.namespaced`,
    ).run(
      cluster,
      resource.group,
      resource.version,
      resource.plural,
      resource.kind,
      resource.namespaced ? 1 : 0,
    );
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
