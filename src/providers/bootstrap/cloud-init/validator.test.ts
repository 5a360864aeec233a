// The validator must be able to say no, or its yes means nothing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  findCloudInit,
  validateMetaData,
  validateNetworkConfig,
  validateUserData,
} from './validator.ts';

test('cloud-init is installed (CI installs it; without it every rendering test fails)', async () => {
  const cloudInit = await findCloudInit();
  assert.match(cloudInit.version, /^\d+\.\d+/);
});

test('user-data: cloud-init schema rejects a wrongly typed module field', async () => {
  await validateUserData('#cloud-config\nhostname: a\n');
  await assert.rejects(
    validateUserData(
      '#cloud-config\nwrite_files:\n  - path: /a\n    content: x\n    permissions: 0600\n',
    ),
    /schema rejected the user-data[\s\S]*permissions/,
  );
});

test('user-data: top-level keys no module reads are rejected', async () => {
  await assert.rejects(
    validateUserData('#cloud-config\nwrite_file:\n  - path: /a\n    content: x\n'),
    /no cloud-init .* module reads: write_file/,
  );
});

test('network-config: structure and cloud-init renderers', async () => {
  const good = 'version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.5/24]\n';
  const rendered = await validateNetworkConfig(good);
  assert.match(rendered.eni, /iface eth0 inet static/);
  assert.match(rendered.networkd, /Address=10\.0\.0\.5\/24/);
  assert.match(rendered.netplan, /10\.0\.0\.5\/24/);
  await assert.rejects(
    validateNetworkConfig(`${good}    adresses: [10.0.0.6/24]\n`),
    /not valid version 2/,
  );
  await assert.rejects(
    validateNetworkConfig(
      'version: 2\nethernets:\n  eth0:\n    routes: [{to: 10.0.0.0/33x, via: 10.0.0.1}]\n',
    ),
    /could not render the network-config/,
  );
});

test('meta-data: instance-id and local-hostname must be strings', async () => {
  await validateMetaData('instance-id: a\nlocal-hostname: b\n');
  await assert.rejects(validateMetaData('local-hostname: b\n'), /rejected the meta-data/);
});

test('without cloud-init the checks fail with a clear message instead of skipping', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-no-cloud-init-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await symlink('/bin/sh', join(dir, 'sh'));
  const script = `
    import { validateUserData } from ${JSON.stringify(new URL('./validator.ts', import.meta.url).href)};
    validateUserData('#cloud-config\\n').then(
      () => { console.log('passed'); },
      (err) => { console.log(err.name + ': ' + err.message); },
    );`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    { env: { PATH: dir } },
  );
  assert.match(
    stdout,
    /^CloudInitMissingError: cloud-init is not installed.*apt-get install -y cloud-init/,
  );
});
