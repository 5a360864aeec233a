import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  configFromAssignments,
  countOption,
  parseKeyPath,
  parseLabels,
  parseScalar,
} from './cluster-values.ts';

test('values read as YAML scalars: numbers, booleans, else the text itself', () => {
  assert.equal(parseScalar('4'), 4);
  assert.equal(parseScalar('1.5'), 1.5);
  assert.equal(parseScalar('-2'), -2);
  assert.equal(parseScalar('true'), true);
  assert.equal(parseScalar('false'), false);
  assert.equal(parseScalar('traefik'), 'traefik');
  assert.equal(parseScalar('v1.31.4+k3s1'), 'v1.31.4+k3s1');
  assert.equal(parseScalar('"4"'), '4');
  assert.equal(parseScalar(''), '');
  // YAML would read these as null, a list, a map or infinity: keep what was typed.
  for (const text of ['null', '~', '[a, b]', 'a: b', '.inf', '{x']) {
    assert.equal(parseScalar(text), text);
  }
});

test('dotted keys nest; a backslash keeps a dot', () => {
  assert.deepEqual(parseKeyPath('machine.vcpu'), ['machine', 'vcpu']);
  assert.deepEqual(parseKeyPath('nodeLabels.example\\.com/zone'), [
    'nodeLabels',
    'example.com/zone',
  ]);
  assert.throws(() => parseKeyPath('a..b'), /"a..b" is not a key/);
  assert.throws(() => parseKeyPath('.a'), /is not a key/);
  assert.throws(() => parseKeyPath('a.__proto__'), /"__proto__" may not be used/);
  assert.throws(() => parseKeyPath('constructor'), /may not be used/);
});

test('--set and --set-string build spec.config', () => {
  const config = configFromAssignments(
    [
      'workersNumber=3',
      'machine.vcpu=4',
      'machine.memoryMiB=8192',
      'k3s.disable=traefik',
      'k3s.secretsEncryption=true',
      'note=a=b',
    ],
    ['k3s.version=1.10'],
  );
  assert.deepEqual(config, {
    workersNumber: 3,
    machine: { vcpu: 4, memoryMiB: 8192 },
    k3s: { disable: 'traefik', secretsEncryption: true, version: '1.10' },
    note: 'a=b',
  });
  assert.deepEqual(configFromAssignments(['toString=1']), { toString: 1 });
  assert.deepEqual(configFromAssignments(['a=1', 'a=2']), { a: 2 });
});

test('--set mistakes are explained', () => {
  assert.throws(() => configFromAssignments(['vcpu']), /--set: "vcpu" is not key=value/);
  assert.throws(() => configFromAssignments(['=4']), /is not key=value/);
  assert.throws(
    () => configFromAssignments(['machine=small', 'machine.vcpu=4']),
    /--set: machine is already set to a value, so it cannot hold machine.vcpu/,
  );
  assert.throws(
    () => configFromAssignments(['machine.vcpu=4', 'machine=small']),
    /machine already holds keys/,
  );
  assert.throws(() => configFromAssignments([], ['x']), /--set-string: "x" is not key=value/);
});

test('labels and counts', () => {
  assert.deepEqual(parseLabels('env=prod, team=a'), { env: 'prod', team: 'a' });
  assert.throws(() => parseLabels('env'), /--labels: "env" is not key=value/);
  assert.equal(countOption('0', '--workers', 0), 0);
  assert.equal(countOption('12', '--workers', 0), 12);
  assert.throws(() => countOption('-1', '--workers', 0), /--workers: "-1" is not a whole number/);
  assert.throws(() => countOption('1.5', '--workers', 0), /not a whole number of 0 or more/);
  assert.throws(() => countOption('0', '--control-planes', 1), /of 1 or more/);
  assert.throws(() => countOption('two', '--workers', 0), /not a whole number/);
});
