// Address rules in admission: bad pools and contradictory cluster networks are refused
// with every field path; status writes and good objects pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiVersion,
  clusterDeploymentKind,
  ipPoolKind,
  isSlipwayError,
  kinds,
  type FieldCause,
} from '../../api/index.ts';
import { createAdmission } from './pipeline.ts';

const admission = createAdmission(kinds, { lookup: () => Promise.resolve(undefined) });

function pool(spec: Record<string, unknown>) {
  return { apiVersion: ApiVersion, kind: 'IPPool', metadata: { name: 'lab' }, spec };
}

function cluster(network: Record<string, unknown>) {
  return {
    apiVersion: ApiVersion,
    kind: 'ClusterDeployment',
    metadata: { name: 'demo' },
    spec: { template: 't', credential: 'c', network },
  };
}

async function causesOf(fn: () => Promise<unknown>): Promise<FieldCause[]> {
  try {
    await fn();
  } catch (err: unknown) {
    assert.ok(isSlipwayError(err), String(err));
    assert.equal(err.code, 422);
    return err.details.causes ?? [];
  }
  assert.fail('expected admission to refuse');
}

describe('address rules in admission', () => {
  it('refuses a pool whose ranges do not fit, naming each field', async () => {
    const causes = await causesOf(() =>
      admission.admit({
        operation: 'create',
        kind: ipPoolKind,
        body: pool({
          addresses: ['10.0.0.10-10.0.0.20', '10.0.9.1', 'nonsense'],
          prefix: 24,
          gateway: '10.0.0.1',
          excludes: ['fd00::1'],
          dnsServers: ['resolver'],
        }),
      }),
    );
    assert.deepEqual(
      causes.map((c) => c.field),
      ['spec.addresses[1]', 'spec.addresses[2]', 'spec.excludes[0]', 'spec.dnsServers[0]'],
    );
    assert.match(causes[0]?.message ?? '', /outside the subnet 10\.0\.0\.0\/24/);
  });

  it('admits a good pool, and status writes are not re-checked', async () => {
    const good = pool({ addresses: ['10.0.0.0/28'], prefix: 24, gateway: '10.0.0.1' });
    const admitted = await admission.admit({ operation: 'create', kind: ipPoolKind, body: good });
    assert.equal(admitted.metadata.name, 'lab');
    const bad = pool({ addresses: ['10.9.0.0/28'], prefix: 24, gateway: '10.0.0.1' });
    const status = await admission.admit({
      operation: 'update',
      kind: ipPoolKind,
      name: 'lab',
      subresource: 'status',
      body: { ...bad, status: { allocated: 0 } },
      oldObject: admitted,
    });
    assert.equal(status.metadata.name, 'lab');
  });

  it('refuses a cluster network that contradicts itself', async () => {
    const causes = await causesOf(() =>
      admission.admit({
        operation: 'create',
        kind: clusterDeploymentKind,
        namespace: 'default',
        body: cluster({ mode: 'static', controlPlaneVIP: 'ten.0.0.5', blockSize: 8 }),
      }),
    );
    assert.deepEqual(
      causes.map((c) => c.field),
      ['spec.network.controlPlaneVIP', 'spec.network.ipPool', 'spec.network.ipPool'],
    );
    const ok = await admission.admit({
      operation: 'create',
      kind: clusterDeploymentKind,
      namespace: 'default',
      body: cluster({ ipPool: 'lab', controlPlaneVIP: '10.0.0.5', blockSize: 8 }),
    });
    assert.equal(ok.metadata.name, 'demo');
    const schema = await causesOf(() =>
      admission.admit({
        operation: 'create',
        kind: clusterDeploymentKind,
        namespace: 'default',
        body: cluster({ ipPool: 'lab', mode: 'bridged' }),
      }),
    );
    assert.ok(schema.some((c) => c.field.startsWith('spec.network.mode')));
  });
});
