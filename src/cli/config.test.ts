import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  configPath,
  parseBooleanEnv,
  readConfigFile,
  resolveConnection,
  writeConfigFile,
} from './config.ts';

const file = {
  server: 'https://file:6443',
  token: 'file-token',
  insecureSkipTlsVerify: true,
  certificateAuthority: '/etc/ca.pem',
};

test('flags win over the environment, which wins over the config file', () => {
  const env = {
    SLIPWAY_SERVER: 'https://env:6443',
    SLIPWAY_TOKEN: 'env-token',
    SLIPWAY_INSECURE_SKIP_TLS_VERIFY: 'false',
  };
  // Skipping verification makes a CA pointless, so it is dropped.
  assert.deepEqual(resolveConnection({}, {}, file), {
    server: 'https://file:6443',
    token: 'file-token',
    insecureSkipTlsVerify: true,
  });
  assert.deepEqual(resolveConnection({}, env, file), {
    server: 'https://env:6443',
    token: 'env-token',
    insecureSkipTlsVerify: false,
    certificateAuthority: '/etc/ca.pem',
  });
  assert.deepEqual(
    resolveConnection(
      { server: 'https://flag:6443/', token: 'flag-token', insecureSkipTlsVerify: true },
      env,
      file,
    ),
    { server: 'https://flag:6443', token: 'flag-token', insecureSkipTlsVerify: true },
  );
});

test('each field falls through on its own', () => {
  const connection = resolveConnection({ token: 'flag-token' }, { SLIPWAY_SERVER: '' }, file);
  assert.equal(connection.server, 'https://file:6443');
  assert.equal(connection.token, 'flag-token');
  assert.equal(connection.insecureSkipTlsVerify, true);
});

test('a CA given as a flag turns verification back on', () => {
  const connection = resolveConnection({ certificateAuthority: '/tmp/ca.pem' }, {}, file);
  assert.equal(connection.insecureSkipTlsVerify, false);
  assert.equal(connection.certificateAuthority, '/tmp/ca.pem');
});

test('nothing configured is a clear error that never echoes a token', () => {
  assert.throws(
    () => resolveConnection({}, {}, {}),
    /no server or token configured: run "slipway login/,
  );
  assert.throws(
    () => resolveConnection({}, { SLIPWAY_TOKEN: 'secret-value' }, {}),
    (err: unknown) => {
      assert.match((err as Error).message, /^no server configured/);
      assert.doesNotMatch((err as Error).message, /secret-value/);
      return true;
    },
  );
});

test('boolean environment values', () => {
  assert.equal(parseBooleanEnv('TRUE'), true);
  assert.equal(parseBooleanEnv('1'), true);
  assert.equal(parseBooleanEnv('no'), false);
  assert.equal(parseBooleanEnv(undefined), undefined);
  assert.equal(parseBooleanEnv('maybe'), undefined);
});

test('config path: $SLIPWAY_CONFIG, $XDG_CONFIG_HOME, then ~/.config', () => {
  assert.equal(configPath({ SLIPWAY_CONFIG: '/x/c.yaml', HOME: '/home/u' }), '/x/c.yaml');
  assert.equal(
    configPath({ XDG_CONFIG_HOME: '/xdg', HOME: '/home/u' }),
    '/xdg/slipway/config.yaml',
  );
  assert.equal(configPath({ HOME: '/home/u' }), '/home/u/.config/slipway/config.yaml');
});

test('the config file round-trips and is private to its owner', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'nested', 'config.yaml');
  assert.deepEqual(await readConfigFile(path), {});
  await writeConfigFile(path, file);
  assert.deepEqual(await readConfigFile(path), file);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.match(await readFile(path, 'utf8'), /server: https:\/\/file:6443/);
});

test('a broken config file names itself', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'config.yaml');
  await writeFile(path, 'server: [unclosed');
  await assert.rejects(readConfigFile(path), /config file .*config.yaml is not valid YAML/);
  await writeFile(path, '- a list');
  await assert.rejects(readConfigFile(path), /must be a YAML mapping/);
});
