import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseManifests, readManifests } from './manifests.ts';

const ct = (name: string) =>
  `apiVersion: slipway.dev/v1alpha1\nkind: ClusterTemplate\nmetadata:\n  name: ${name}\n`;

test('multi-document YAML splits into objects, skipping empty documents', () => {
  const text = `---\n${ct('a')}---\n# only a comment\n---\n${ct('b')}...\n`;
  const manifests = parseManifests(text, 'f.yaml');
  assert.deepEqual(
    manifests.map((m) => [m.source, (m.object['metadata'] as { name: string }).name]),
    [
      ['f.yaml (document 1)', 'a'],
      ['f.yaml (document 3)', 'b'],
    ],
  );
});

test('JSON objects and List kinds are accepted', () => {
  const list = JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [{ kind: 'ClusterTemplate', metadata: { name: 'a' } }, { kind: 'Credential' }],
  });
  assert.deepEqual(
    parseManifests(list, 'l.json').map((m) => m.object['kind']),
    ['ClusterTemplate', 'Credential'],
  );
  assert.equal(parseManifests('{"kind": "Secret"}', 's.json')[0]?.object['kind'], 'Secret');
});

test('syntax errors name the source and the line', () => {
  assert.throws(
    () => parseManifests(`${ct('a')}---\nmetadata:\n  name: [oops\n`, 'bad.yaml'),
    /bad.yaml \(document 2\): invalid YAML: .*line/s,
  );
  assert.throws(() => parseManifests('just a string', 's.yaml'), /s.yaml: expected an object/);
});

test('syntax errors give line and column but never quote the text, which may be a secret', () => {
  const text = 'kind: Secret\nmetadata:\n  name: s\nstringData:\n  password: "hunter2 ZEKRET\n';
  assert.throws(
    () => parseManifests(text, 'secret.yaml'),
    (err: unknown) =>
      err instanceof Error &&
      /^secret.yaml: invalid YAML: line \d+, column \d+: /.test(err.message) &&
      !err.message.includes('ZEKRET'),
  );
});

test('directories contribute their YAML and JSON files in name order', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-manifests-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'b.yml'), ct('b'));
  await writeFile(join(dir, 'a.yaml'), ct('a'));
  await writeFile(
    join(dir, 'c.json'),
    JSON.stringify({ kind: 'ClusterTemplate', metadata: { name: 'c' } }),
  );
  await writeFile(join(dir, 'notes.txt'), 'not a manifest');
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'd.yaml'), ct('d'));
  const manifests = await readManifests([dir, '-'], () => Promise.resolve(ct('stdin')));
  assert.deepEqual(
    manifests.map((m) => (m.object['metadata'] as { name: string }).name),
    ['a', 'b', 'c', 'stdin'],
  );
  assert.equal(manifests[3]?.source, 'stdin');
});

test('missing paths and empty directories are errors', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-manifests-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await assert.rejects(
    readManifests([join(dir, 'nope.yaml')], () => Promise.resolve('')),
    /does not exist/,
  );
  await assert.rejects(
    readManifests([dir], () => Promise.resolve('')),
    /no \*.yaml, \*.yml or \*.json files/,
  );
});
