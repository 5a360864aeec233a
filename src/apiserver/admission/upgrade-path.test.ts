// The upgrade-path rule on its own: admission with an in-memory lookup, no store.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiVersion,
  SystemNamespace,
  clusterDeploymentKind,
  isSlipwayError,
  kinds,
  type AnyResource,
} from '../../api/index.ts';
import { createAdmission } from './pipeline.ts';
import type { AdmissionRequest, ObjectLookup } from './types.ts';

function template(name: string, namespace: string, upgradeTargets?: string[]): AnyResource {
  return {
    apiVersion: ApiVersion,
    kind: 'ClusterTemplate',
    metadata: { name, namespace },
    spec: {
      provider: 'sim',
      distribution: { name: 'k3s', version: 'v1.31.4+k3s1' },
      ...(upgradeTargets ? { upgradeTargets } : {}),
    },
  };
}

function cluster(templateName: string, namespace = 'team-a'): AnyResource {
  return {
    apiVersion: ApiVersion,
    kind: 'ClusterDeployment',
    metadata: { name: 'c1', namespace, uid: 'u1', resourceVersion: '3' },
    spec: { template: templateName, credential: 'sim' },
  };
}

function admissionWith(objects: AnyResource[]) {
  const lookups: string[] = [];
  const lookup: ObjectLookup = (kind, namespace, name) => {
    lookups.push(`${kind} ${namespace ?? ''}/${name}`);
    return Promise.resolve(
      objects.find(
        (o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name,
      ),
    );
  };
  return { admission: createAdmission(kinds, { lookup }), lookups };
}

function update(old: AnyResource, body: AnyResource, subresource?: 'status'): AdmissionRequest {
  return {
    operation: 'update',
    kind: clusterDeploymentKind,
    namespace: old.metadata.namespace ?? '',
    name: old.metadata.name,
    body: structuredClone(body),
    oldObject: old,
    ...(subresource ? { subresource } : {}),
  };
}

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err: unknown) {
    assert.ok(isSlipwayError(err), String(err));
    return { reason: err.reason, message: err.message, causes: err.details.causes ?? [] };
  }
  assert.fail('expected admission to fail');
}

describe('admission: upgrade path', () => {
  const chain = [
    template('v1', SystemNamespace, ['v2', 'v2-hardened']),
    template('v2', SystemNamespace, ['v3']),
    template('v2-hardened', SystemNamespace),
    template('v3', SystemNamespace),
  ];

  it('lets a cluster move to a target of its current template', async () => {
    const { admission } = admissionWith(chain);
    const admitted = await admission.admit(update(cluster('v1'), cluster('v2')));
    assert.equal((admitted.spec as { template: string }).template, 'v2');
  });

  it('refuses a template its current one does not list, naming the allowed ones', async () => {
    const { admission } = admissionWith(chain);
    const skip = await rejection(admission.admit(update(cluster('v1'), cluster('v3'))));
    assert.equal(skip.reason, 'Invalid');
    assert.deepEqual(skip.causes, [
      {
        field: 'spec.template',
        message: 'template "v3" is not an upgrade target of "v1" (allowed: v2, v2-hardened)',
        reason: 'FieldValueForbidden',
      },
    ]);
    assert.equal(
      skip.message,
      'ClusterDeployment "c1" is invalid: spec.template: template "v3" is not an upgrade target of "v1" (allowed: v2, v2-hardened)',
    );
    const back = await rejection(admission.admit(update(cluster('v2'), cluster('v1'))));
    assert.equal(
      back.causes[0]?.message,
      'template "v1" is not an upgrade target of "v2" (allowed: v3)',
    );
    const dead = await rejection(admission.admit(update(cluster('v3'), cluster('v1'))));
    assert.equal(
      dead.causes[0]?.message,
      'template "v1" is not an upgrade target of "v3" (allowed: none)',
    );
  });

  it('refuses a template that does not exist', async () => {
    const { admission } = admissionWith(chain);
    const missing = await rejection(admission.admit(update(cluster('v1'), cluster('v9'))));
    assert.deepEqual(missing.causes, [
      {
        field: 'spec.template',
        message: 'template "v9" not found in namespace "team-a" or "slipway-system"',
        reason: 'FieldValueNotFound',
      },
    ]);
  });

  it('refuses the switch when the current template is gone and the path cannot be checked', async () => {
    const { admission } = admissionWith(chain.filter((t) => t.metadata.name !== 'v1'));
    const { causes } = await rejection(admission.admit(update(cluster('v1'), cluster('v2'))));
    assert.equal(causes[0]?.field, 'spec.template');
    assert.equal(
      causes[0]?.message,
      'the upgrade path cannot be checked: the current template "v1" was not found in namespace "team-a" or "slipway-system"',
    );
  });

  it("looks in the cluster's namespace before slipway-system", async () => {
    // The project's own v1 lists only its own v2; the global v1 would also allow v2-hardened.
    const { admission, lookups } = admissionWith([
      ...chain,
      template('v1', 'team-a', ['v2']),
      template('v2', 'team-a'),
    ]);
    const { causes } = await rejection(
      admission.admit(update(cluster('v1'), cluster('v2-hardened'))),
    );
    assert.equal(
      causes[0]?.message,
      'template "v2-hardened" is not an upgrade target of "v1" (allowed: v2)',
    );
    assert.deepEqual(lookups, [
      'ClusterTemplate team-a/v2-hardened',
      'ClusterTemplate slipway-system/v2-hardened',
      'ClusterTemplate team-a/v1',
    ]);
    const inSystem = admissionWith(chain);
    await inSystem.admission.admit(
      update(cluster('v1', SystemNamespace), cluster('v2', SystemNamespace)),
    );
    assert.deepEqual(inSystem.lookups, [
      'ClusterTemplate slipway-system/v2',
      'ClusterTemplate slipway-system/v1',
    ]);
  });

  it('looks nothing up when the template stays, on create, or for status', async () => {
    const { admission, lookups } = admissionWith([]);
    const relabelled = cluster('v1');
    relabelled.metadata.labels = { team: 'a' };
    await admission.admit(update(cluster('v1'), relabelled));
    await admission.admit({
      operation: 'create',
      kind: clusterDeploymentKind,
      namespace: 'team-a',
      body: { ...cluster('nowhere'), metadata: { name: 'c2' } },
    });
    await admission.admit(update(cluster('v1'), { ...cluster('v9'), status: {} }, 'status'));
    assert.deepEqual(lookups, []);
  });
});
