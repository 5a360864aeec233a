import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { kindByName, kindByPlural, kinds, resolveKind } from './registry.ts';
import { ApiVersion } from './meta.ts';
import * as api from './index.ts';

test('every kind named in DESIGN.md is registered once', () => {
  const expected = [
    'ClusterTemplate',
    'ClusterDeployment',
    'Machine',
    'Credential',
    'Secret',
    'IPPool',
    'IPAddress',
    'ServiceTemplate',
    'MultiClusterService',
    'Project',
    'User',
    'APIToken',
    'Event',
  ];
  assert.deepEqual(kinds.map((k) => k.kind).sort(), expected.sort());
});

test('every kind with a status names its condition types and reasons beside it', () => {
  const exports = api as Record<string, unknown>;
  for (const k of kinds.filter((kind) => kind.hasStatus)) {
    for (const suffix of ['Conditions', 'Reasons']) {
      const constants = exports[`${k.kind}${suffix}`];
      assert.ok(
        typeof constants === 'object' && constants !== null && Object.keys(constants).length > 0,
        `${k.kind}${suffix} is missing`,
      );
    }
  }
});

test('plural, singular and short names never collide between kinds', () => {
  const seen = new Map<string, string>();
  for (const k of kinds) {
    for (const name of new Set([k.kind.toLowerCase(), k.plural, k.singular, ...k.shortNames])) {
      const owner = seen.get(name);
      assert.equal(owner, undefined, `${name} is used by both ${owner} and ${k.kind}`);
      seen.set(name, k.kind);
    }
  }
});

test('resolveKind accepts kind, plural, singular and short names in any case', () => {
  assert.equal(resolveKind('ClusterDeployment')?.kind, 'ClusterDeployment');
  assert.equal(resolveKind('clusterdeployments')?.kind, 'ClusterDeployment');
  assert.equal(resolveKind('CLUSTERDEPLOYMENT')?.kind, 'ClusterDeployment');
  assert.equal(resolveKind('cld')?.kind, 'ClusterDeployment');
  assert.equal(resolveKind('ct')?.kind, 'ClusterTemplate');
  assert.equal(resolveKind('nonsense'), undefined);
  assert.equal(kindByPlural('machines')?.kind, 'Machine');
  assert.equal(kindByPlural('machine'), undefined, 'only the plural is a URL segment');
  assert.equal(kindByName('Secret')?.encryptedAtRest, true);
});

test('every schema compiles, pins apiVersion and kind, and rejects unknown top-level fields', () => {
  for (const k of kinds) {
    const check = TypeCompiler.Compile(k.schema);
    const base = { apiVersion: ApiVersion, kind: k.kind, metadata: { name: 'x' } };
    const errors = [...check.Errors({ ...base, bogus: true })];
    assert.ok(
      errors.some((e) => e.path === '/bogus'),
      `${k.kind} accepted an unknown field`,
    );
    assert.ok(!check.Check({ ...base, kind: 'Other' }), `${k.kind} accepted another kind`);
  }
});

test('schemas accept realistic objects and report field paths for wrong ones', () => {
  const cd = TypeCompiler.Compile(kindByName('ClusterDeployment')!.schema);
  const good = {
    apiVersion: ApiVersion,
    kind: 'ClusterDeployment',
    metadata: { name: 'demo', namespace: 'default', labels: { env: 'demo' } },
    spec: { template: 'k3s', credential: 'sim', config: { workersNumber: 2, size: 'small' } },
  };
  assert.deepEqual([...cd.Errors(good)], []);
  const bad = { ...good, spec: { ...good.spec, config: { workersNumber: -1 } } };
  assert.deepEqual(
    [...cd.Errors(bad)].map((e) => e.path),
    ['/spec/config/workersNumber'],
  );
});
