// The create-cluster form's pure half (web/src/pages/cluster-form.ts): YAML both ways,
// server errors placed beside their fields, readable titles for generated fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../web/src/api/client.ts';
import {
  draftFromYaml,
  draftYaml,
  humanize,
  placeErrors,
  resolvable,
  formSchema,
  type ClusterDraft,
} from '../web/src/pages/cluster-form.ts';

const draft: ClusterDraft = {
  name: 'demo',
  namespace: 'team-a',
  template: 'sim-k3s-single',
  credential: 'sim',
  config: { workersNumber: 2, machine: { vcpu: 2 } },
};

test('the YAML view reads back into the same draft', () => {
  assert.deepEqual(draftFromYaml(draftYaml(draft), 'team-a'), draft);
});

test('YAML that is not a ClusterDeployment of this project is refused with the reason', () => {
  assert.throws(() => draftFromYaml('- a\n- b\n', 'team-a'), /one object/);
  assert.throws(() => draftFromYaml('kind: Project\n', 'team-a'), /kind must be ClusterDeployment/);
  assert.throws(
    () => draftFromYaml('metadata:\n  namespace: other\n', 'team-a'),
    /metadata.namespace must be team-a/,
  );
  assert.throws(() => draftFromYaml('a: [', 'team-a'));
});

test('server causes go beside the fields they name; the rest stay general', () => {
  const error = new ApiError(422, 'invalid', 'Invalid', [
    { field: 'metadata.name', message: 'bad name' },
    { field: 'spec.credential', message: 'bad credential' },
    { field: 'spec.config.machine.vcpu', message: 'too many' },
    { field: 'spec.network.ipPool', message: 'no pool' },
  ]);
  const placed = placeErrors(error);
  assert.deepEqual(placed.name, ['bad name']);
  assert.deepEqual(placed.credential, ['bad credential']);
  assert.deepEqual(placed.template, []);
  assert.deepEqual(placed.config, { machine: { vcpu: { __errors: ['too many'] } } });
  assert.deepEqual(placed.other, [{ field: 'spec.network.ipPool', message: 'no pool' }]);
});

test('a field changed since the failed create no longer shows its error', () => {
  const error = new ApiError(422, 'invalid', 'Invalid', [
    { field: 'metadata.name', message: 'bad name' },
    { field: 'spec.config.workersNumber', message: 'too many' },
  ]);
  const placed = placeErrors(error, draft, { ...draft, name: 'fixed' });
  assert.deepEqual(placed.name, []);
  assert.deepEqual(placed.config, { workersNumber: { __errors: ['too many'] } });
});

test('a refusal without causes that names spec.template goes beside the template', () => {
  const error = new ApiError(
    403,
    'spec.template: clustertemplate "x" is not granted to project "team-a"',
    'Forbidden',
  );
  assert.deepEqual(placeErrors(error).template, [error.message]);
});

test('generated fields get readable titles, given titles stay, free-form objects are left to the YAML', () => {
  assert.equal(humanize('controlPlaneNumber'), 'Control plane number');
  assert.equal(humanize('memoryMiB'), 'Memory MiB');
  assert.equal(humanize('vcpu'), 'vCPU');
  const schema = formSchema({
    type: 'object',
    properties: {
      workersNumber: { type: 'integer' },
      machine: { type: 'object', title: 'Size', properties: { diskGiB: { type: 'integer' } } },
      k3s: { type: 'object' },
    },
  });
  assert.deepEqual(schema, {
    type: 'object',
    properties: {
      workersNumber: { type: 'integer', title: 'Workers number' },
      machine: {
        type: 'object',
        title: 'Size',
        properties: { diskGiB: { type: 'integer', title: 'Disk GiB' } },
      },
    },
  });
});

test("a project's own template shadows a global one of the same name", () => {
  const meta = (namespace: string, name: string) => ({ metadata: { namespace, name } });
  const names = resolvable(
    [meta('team-a', 'k3s')],
    [meta('slipway-system', 'k3s'), meta('slipway-system', 'k0s')],
  ).map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  assert.deepEqual(names, ['team-a/k3s', 'slipway-system/k0s']);
});
