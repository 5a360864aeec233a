import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostnameFor, octalMode, toYAML } from './cloud-config.ts';

test('host names are one DNS label of at most 63 characters', () => {
  assert.equal(hostnameFor('demo-cp-x7k2p'), 'demo-cp-x7k2p');
  assert.equal(hostnameFor('Demo.cp_1'), 'demo-cp-1');
  assert.equal(hostnameFor(`${'a'.repeat(62)}-b`), 'a'.repeat(62));
  assert.equal(hostnameFor('---'), 'node');
});

test('strings YAML 1.1 would read as something else are quoted', () => {
  assert.equal(
    toYAML({ a: '0640', b: 'on', c: 'yes', d: '1:20', e: 'plain' }),
    'a: "0640"\nb: "on"\nc: "yes"\nd: "1:20"\ne: plain\n',
  );
  assert.equal(octalMode('644'), '0644');
  assert.equal(octalMode('0600'), '0600');
});
