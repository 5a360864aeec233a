// The embedded demo: a global `sim` Credential and K3s ClusterTemplates on the
// simulated provider, so a fresh `npm start` can build clusters with no hypervisor, and
// a `demo` Project granted them (with a quota) for trying self-service.
// Objects are created when missing and never overwritten: edits an admin made stay.
import type { AnyResource } from '../api/meta.ts';
import { ApiVersion, SystemNamespace } from '../api/meta.ts';
import { isSlipwayError, StatusReason } from '../api/errors.ts';
import type { Store } from '../store/types.ts';

const valuesSchema = {
  type: 'object',
  properties: {
    controlPlaneNumber: { type: 'integer', enum: [1, 3, 5] },
    workersNumber: { type: 'integer', minimum: 0, maximum: 50 },
    machine: {
      type: 'object',
      properties: {
        vcpu: { type: 'integer', minimum: 1, maximum: 64 },
        memoryMiB: { type: 'integer', minimum: 512 },
        diskGiB: { type: 'integer', minimum: 5 },
      },
      additionalProperties: false,
    },
    upgrade: {
      type: 'object',
      properties: {
        maxSurge: { type: 'integer', minimum: 0 },
        maxUnavailable: { type: 'integer', minimum: 0 },
      },
      additionalProperties: false,
    },
    k3s: { type: 'object' },
  },
  additionalProperties: false,
};

function template(
  name: string,
  version: string,
  controlPlaneNumber: number,
  upgradeTargets: string[],
): AnyResource {
  return {
    apiVersion: ApiVersion,
    kind: 'ClusterTemplate',
    metadata: { name, namespace: SystemNamespace, labels: { 'slipway.dev/demo': 'true' } },
    spec: {
      description: `K3s ${version} on simulated machines, ${controlPlaneNumber} control plane${controlPlaneNumber > 1 ? 's' : ''}`,
      provider: 'sim',
      distribution: { name: 'k3s', version },
      valuesSchema,
      defaults: {
        controlPlaneNumber,
        workersNumber: 2,
        machine: { vcpu: 2, memoryMiB: 4096, diskGiB: 20 },
      },
      upgradeTargets,
    },
  };
}

/** What the demo adds to an empty store. */
export function demoObjects(): AnyResource[] {
  return [
    {
      apiVersion: ApiVersion,
      kind: 'Credential',
      metadata: { name: 'sim', namespace: SystemNamespace, labels: { 'slipway.dev/demo': 'true' } },
      spec: {
        provider: 'sim',
        description: 'The in-process simulated hypervisor; needs no secret.',
      },
    },
    template('sim-k3s-single', 'v1.30.8+k3s1', 1, ['sim-k3s-single-1-31']),
    template('sim-k3s-single-1-31', 'v1.31.4+k3s1', 1, []),
    template('sim-k3s-ha', 'v1.30.8+k3s1', 3, ['sim-k3s-ha-1-31']),
    template('sim-k3s-ha-1-31', 'v1.31.4+k3s1', 3, []),
    {
      apiVersion: ApiVersion,
      kind: 'Project',
      metadata: { name: 'demo', labels: { 'slipway.dev/demo': 'true' } },
      spec: {
        displayName: 'Demo project',
        description: 'Simulated clusters for trying Slipway; add members to let others in.',
        members: [],
        templates: ['*'],
        credentials: ['sim'],
        quota: { clusters: 5, machines: 30, vcpu: 60, memoryMiB: 122_880, diskGiB: 600 },
        quotaLimit: { clusters: 10, machines: 60, vcpu: 120, memoryMiB: 245_760, diskGiB: 1200 },
      },
    },
  ];
}

/** Create each demo object that does not exist yet; returns the names created. */
export async function seedDemo(store: Store): Promise<string[]> {
  const created: string[] = [];
  for (const obj of demoObjects()) {
    try {
      await store.create(obj);
      created.push(`${obj.kind.toLowerCase()}/${obj.metadata.name}`);
    } catch (err: unknown) {
      if (!isSlipwayError(err, StatusReason.AlreadyExists)) throw err;
    }
  }
  return created;
}
