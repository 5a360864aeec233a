// The admission pipeline on its own: no HTTP, no store.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiVersion,
  clusterDeploymentKind,
  clusterTemplateKind,
  ipPoolKind,
  isSlipwayError,
  kinds,
  secretKind,
  type AnyResource,
  type FieldCause,
} from '../../api/index.ts';
import { createAdmission } from './pipeline.ts';
import type { AdmissionRequest } from './types.ts';
import { fieldPath } from './validate.ts';

// No rule here reads other objects (upgrade-path.test.ts covers the one that does).
const admission = createAdmission(kinds, { lookup: () => Promise.resolve(undefined) });

function cd(
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = { name: 'a' },
): Record<string, unknown> {
  return {
    apiVersion: ApiVersion,
    kind: 'ClusterDeployment',
    metadata,
    spec: { template: 't', credential: 'c', ...spec },
  };
}

/** `namespace` null: a cluster-scoped URL. */
function create(
  body: unknown,
  kind = clusterDeploymentKind,
  namespace: string | null = 'default',
): Promise<AnyResource> {
  const req: AdmissionRequest = { operation: 'create', kind, body };
  if (namespace !== null) req.namespace = namespace;
  return admission.admit(req);
}

async function rejection(
  fn: () => Promise<unknown>,
): Promise<{ reason: string; causes: FieldCause[] }> {
  try {
    await fn();
  } catch (err: unknown) {
    assert.ok(isSlipwayError(err), String(err));
    return { reason: err.reason, causes: err.details.causes ?? [] };
  }
  assert.fail('expected admission to fail');
}

describe('admission pipeline', () => {
  it('admits a valid object and fills in what the URL implies', async () => {
    const obj = await create({
      metadata: { name: 'ok' },
      spec: { template: 't', credential: 'c' },
    });
    assert.equal(obj.apiVersion, ApiVersion);
    assert.equal(obj.kind, 'ClusterDeployment');
    assert.equal(obj.metadata.namespace, 'default');
  });

  it('drops status on create and main-resource update', async () => {
    const obj = await create({ ...cd(), status: { phase: 'Ready' } });
    assert.equal(obj.status, undefined);
  });

  it('reports every schema problem at once, with paths', async () => {
    const { reason, causes } = await rejection(() =>
      create(
        cd({
          config: { workersNumber: 1.5 },
          extra: true,
          services: [{ name: 'x', template: 'y', bogus: 1 }],
        }),
      ),
    );
    assert.equal(reason, 'Invalid');
    assert.deepEqual(causes.map((c) => c.field).sort(), [
      'spec.config.workersNumber',
      'spec.extra',
      'spec.services[0].bogus',
    ]);
    assert.ok(causes.every((c) => c.reason));
  });

  it('lets free-form config values through (the template validates them)', async () => {
    const obj = await create(
      cd({ config: { workersNumber: 2, machineSize: 'large', network: { vlan: 20 } } }),
    );
    assert.equal((obj.spec as { config: { machineSize: string } }).config.machineSize, 'large');
  });

  it('checks names by the kind: labels for ClusterDeployment, subdomains for ClusterTemplate', async () => {
    assert.deepEqual(
      (await rejection(() => create(cd({}, { name: 'a.b' })))).causes.map((c) => c.field),
      ['metadata.name'],
    );
    const template = {
      metadata: { name: 'k3s.v1-31' },
      spec: { provider: 'sim', distribution: { name: 'k3s', version: 'v1' } },
    };
    assert.equal((await create(template, clusterTemplateKind)).metadata.name, 'k3s.v1-31');
  });

  it('reports name and schema problems in one answer', async () => {
    const { causes } = await rejection(() => create(cd({ workerNumber: 3 }, { name: 'Bad_Name' })));
    assert.deepEqual(
      causes.map((c) => c.field),
      ['metadata.name', 'spec.workerNumber'],
    );
    const missing = await rejection(() => create(cd({}, {})));
    assert.deepEqual(
      missing.causes.map((c) => c.field),
      ['metadata.name'],
      'reported once',
    );
  });

  it('reports label problems together with schema problems', async () => {
    const { causes } = await rejection(() =>
      create(cd({ workerNumber: 3 }, { name: 'a', labels: { good: 'not ok' } })),
    );
    assert.deepEqual(
      causes.map((c) => c.field),
      ['spec.workerNumber', 'metadata.labels["good"]'],
    );
  });

  it('quotes what the schema asks for without changing its case', async () => {
    const { causes } = await rejection(() =>
      create({ metadata: { name: 's' }, data: { a: 'not base64!' } }, secretKind),
    );
    assert.match(causes[0]?.message ?? '', /\^\[A-Za-z0-9\+\/\]\*=\{0,2\}\$/);
  });

  it('truncates generateName so the generated name still fits', async () => {
    const obj = await create(cd({}, { generateName: `${'x'.repeat(80)}-` }));
    assert.equal(obj.metadata.name.length, 63);
    assert.match(obj.metadata.name, /^x{58}[a-z0-9]{5}$/);
  });

  it('rejects a namespace on a cluster-scoped kind', async () => {
    const pool = {
      metadata: { name: 'p', namespace: 'default' },
      spec: { addresses: ['10.0.0.1'], prefix: 24 },
    };
    assert.deepEqual(
      (await rejection(() => create(pool, ipPoolKind, null))).causes.map((c) => c.field),
      ['metadata.namespace'],
    );
    assert.equal(
      (await create({ ...pool, metadata: { name: 'p' } }, ipPoolKind, null)).metadata.namespace,
      undefined,
    );
  });

  it('applies schema defaults and folds stringData into data', async () => {
    const secret = await create(
      { metadata: { name: 's' }, data: { a: 'YQ==' }, stringData: { a: 'override', b: 'é' } },
      secretKind,
    );
    assert.equal(secret['type'], 'Opaque');
    assert.deepEqual(secret['data'], {
      a: Buffer.from('override').toString('base64'),
      b: Buffer.from('é').toString('base64'),
    });
    assert.equal(secret['stringData'], undefined);
  });

  it('compares the stored object on update', async () => {
    const old = await create(
      {
        metadata: { name: 'tpl' },
        spec: { provider: 'sim', distribution: { name: 'k3s', version: 'v1' } },
      },
      clusterTemplateKind,
    );
    old.metadata.uid = 'u1';
    const update = (body: unknown) =>
      admission.admit({
        operation: 'update',
        kind: clusterTemplateKind,
        namespace: 'default',
        name: 'tpl',
        body,
        oldObject: old,
      });
    const same = await update(
      structuredClone({ ...old, metadata: { ...old.metadata, labels: { a: 'b' } } }),
    );
    assert.deepEqual(same.metadata.labels, { a: 'b' });
    const changed = await rejection(() =>
      update({
        ...structuredClone(old),
        spec: { provider: 'proxmox', distribution: { name: 'k3s', version: 'v1' } },
      }),
    );
    assert.deepEqual(
      changed.causes.map((c) => c.field),
      ['spec'],
    );
    assert.equal(
      (
        await rejection(() =>
          update({ ...structuredClone(old), metadata: { name: 'tpl', uid: 'u2' } }),
        )
      ).reason,
      'Conflict',
    );
    assert.equal(
      (await rejection(() => update({ ...structuredClone(old), metadata: { name: 'other' } })))
        .reason,
      'BadRequest',
    );
  });

  it('builds a status update from the stored object and the new status', async () => {
    const old = await create(cd());
    old.metadata.resourceVersion = '7';
    const view = await admission.admit({
      operation: 'update',
      kind: clusterDeploymentKind,
      namespace: 'default',
      name: 'a',
      subresource: 'status',
      body: {
        ...cd({ template: 'ignored' }),
        metadata: { name: 'a', resourceVersion: '7' },
        status: { phase: 'Ready' },
      },
      oldObject: old,
    });
    assert.equal((view.spec as { template: string }).template, 't');
    assert.deepEqual(view.status, { phase: 'Ready' });
    assert.equal(view.metadata.resourceVersion, '7');
  });

  it('rejects bodies that are not one object', async () => {
    for (const body of [undefined, [], 'text', 3, null]) {
      assert.equal(
        (await rejection(() => create(body))).reason,
        'BadRequest',
        JSON.stringify(body),
      );
    }
    assert.deepEqual(
      (await rejection(() => create({ ...cd(), metadata: 'a' }))).causes.map((c) => c.field),
      ['metadata'],
    );
  });
});

describe('fieldPath', () => {
  it('turns JSON pointers into Kubernetes field paths', () => {
    assert.equal(fieldPath('/spec/config/workersNumber'), 'spec.config.workersNumber');
    assert.equal(fieldPath('/spec/services/0/name'), 'spec.services[0].name');
    assert.equal(
      fieldPath('/metadata/labels/app.kubernetes.io~1name'),
      'metadata.labels["app.kubernetes.io/name"]',
    );
    assert.equal(fieldPath(''), '');
  });
});
