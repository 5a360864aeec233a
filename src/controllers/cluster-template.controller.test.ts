import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClusterTemplate } from '../api/kinds/cluster-template.ts';
import { createBootstrapRegistry } from '../providers/bootstrap/registry.ts';
import type { InfrastructureProvider } from '../providers/infrastructure/types.ts';
import { createInfrastructureRegistry } from '../providers/infrastructure/registry.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { clusterTemplateController } from './cluster-template.controller.ts';
import { findCondition } from './conditions.ts';
import { discardEvents } from './dependencies.ts';
import { template } from './test-environment.ts';

const sim = { name: 'sim' } as InfrastructureProvider;
const ctx = { signal: new AbortController().signal, now: () => new Date('2026-01-01T00:00:00Z') };

describe('ClusterTemplate controller', () => {
  let dir: string;
  let store: SqliteStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-ct-'));
    store = await openSqliteStore({ dataDir: dir });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const controller = () =>
    clusterTemplateController({
      store,
      infrastructure: createInfrastructureRegistry([sim]),
      bootstrap: createBootstrapRegistry(),
      events: discardEvents,
    });

  async function verdict(t: ClusterTemplate) {
    await store.create(t);
    await controller().reconcile(ctx, `ns/${t.metadata.name}`);
    const stored = await store.get<ClusterTemplate>('ClusterTemplate', 'ns', t.metadata.name);
    return { status: stored.status, valid: findCondition(stored.status?.conditions, 'Valid') };
  }

  it('marks a good template valid', async () => {
    const { status, valid } = await verdict(template('ns', 'good'));
    assert.equal(status?.valid, true);
    assert.equal(valid?.reason, 'TemplateValid');
    assert.equal(status?.validationError, undefined);
    assert.equal(status?.observedGeneration, 1);
  });

  it('rejects an unknown provider and an unknown distribution', async () => {
    const a = await verdict(template('ns', 'no-provider', { provider: 'vmware' }));
    assert.equal(a.valid?.reason, 'UnknownProvider');
    const b = await verdict(
      template('ns', 'k0s', { distribution: { name: 'k0s', version: 'v1.31.1+k0s.0' } }),
    );
    assert.equal(b.valid?.reason, 'UnknownDistribution');
    assert.equal(b.status?.valid, false);
  });

  it('rejects a schema that is not JSON Schema', async () => {
    const { valid, status } = await verdict(
      template('ns', 'bad-schema', { valuesSchema: { type: 'integr' } }),
    );
    assert.equal(valid?.reason, 'InvalidSchema');
    assert.match(status?.validationError ?? '', /valuesSchema/);
  });

  it('rejects defaults that break the schema, naming the field', async () => {
    const { valid } = await verdict(
      template('ns', 'bad-defaults', { defaults: { workersNumber: -2 } }),
    );
    assert.equal(valid?.reason, 'InvalidDefaults');
    assert.match(valid?.message ?? '', /spec\.defaults\.workersNumber/);
  });

  it("rejects defaults the distribution's own schema refuses", async () => {
    const { valid } = await verdict(
      template('ns', 'bad-k3s', { defaults: { k3s: { flannelBackend: 'carrier-pigeon' } } }),
    );
    assert.equal(valid?.reason, 'InvalidDefaults');
    assert.match(valid?.message ?? '', /spec\.defaults\.k3s\.flannelBackend/);
  });
});
