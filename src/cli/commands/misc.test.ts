import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startFakeApi, type FakeApi } from '../fake-api.test-support.ts';
import { slipway } from '../run-cli.test-support.ts';
import { usageBanner } from './server.ts';

let fake: FakeApi;
let dir: string;

before(async () => {
  fake = await startFakeApi();
  dir = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
});
after(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

test('login checks the connection, then saves it privately for later commands', async () => {
  const config = join(dir, 'config', 'config.yaml');
  const env = { SLIPWAY_CONFIG: config };
  const login = await slipway(undefined, ['login', '--server', fake.url, '--token', fake.token], {
    env,
  });
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.stdout, `Logged in to ${fake.url}; connection saved to ${config}\n`);
  assert.doesNotMatch(login.stdout, new RegExp(fake.token));
  assert.equal((await stat(config)).mode & 0o777, 0o600);
  assert.match(await readFile(config, 'utf8'), /token: test-token/);
  const get = await slipway(undefined, ['api-resources'], { env });
  assert.equal(get.code, 0, get.stderr);
});

test('login refuses a bad token and saves nothing', async () => {
  const config = join(dir, 'bad', 'config.yaml');
  const run = await slipway(undefined, ['login', '--server', fake.url, '--token', 'nope'], {
    env: { SLIPWAY_CONFIG: config },
  });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /Unauthorized/);
  await assert.rejects(stat(config));
});

test('an unreachable server is named in the error', async () => {
  const run = await slipway(undefined, ['get', 'cld'], {
    env: { SLIPWAY_SERVER: 'http://127.0.0.1:1', SLIPWAY_TOKEN: 't' },
  });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^error: unable to connect to the server at http:\/\/127.0.0.1:1: /);
});

test('api-resources lists kinds from discovery, without subresources', async () => {
  const run = await slipway(fake, ['api-resources']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/);
  assert.ok(
    lines.some((l) =>
      /^clusterdeployments\s+cld,cluster,clusters\s+slipway.dev\/v1alpha1\s+true\s+ClusterDeployment$/.test(
        l,
      ),
    ),
  );
  assert.ok(!lines.some((l) => l.includes('/status')));
});

test('version prints client and server versions', async () => {
  const run = await slipway(fake, ['version']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Client Version: \d+\.\d+\.\d+\nServer Version: v0.0.0-fake\n$/);
  const client = await slipway(undefined, ['version', '--client']);
  assert.equal(client.code, 0);
});

test('help exits 0; unknown commands and options exit non-zero', async () => {
  const help = await slipway(undefined, ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Commands:\n {2}server/);
  const wait = await slipway(undefined, ['wait', '--help']);
  assert.match(wait.stdout, /--for <condition>/);
  const unknown = await slipway(undefined, ['frobnicate']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const badOutput = await slipway(fake, ['get', 'cld', '-o', 'xml']);
  assert.equal(badOutput.code, 1);
  assert.match(badOutput.stderr, /Allowed choices are wide, yaml, json, name/);
});

test('server refuses --insecure-http on a non-loopback address before starting', async () => {
  const run = await slipway(undefined, ['server', '--listen', '0.0.0.0:6443', '--insecure-http']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /--insecure-http is allowed only on a loopback address/);
  const halfTls = await slipway(undefined, ['server', '--tls-cert', 'c.pem']);
  assert.match(halfTls.stderr, /--tls-cert and --tls-key must be given together/);
  const strayEtcd = await slipway(undefined, ['server', '--etcd-endpoints', 'http://a:2379']);
  assert.match(strayEtcd.stderr, /--etcd-endpoints needs --store etcd/);
  const noEndpoints = await slipway(undefined, ['server', '--store', 'etcd']);
  assert.match(noEndpoints.stderr, /--store etcd needs --etcd-endpoints/);
  const badStore = await slipway(undefined, ['server', '--store', 'mysql']);
  assert.match(badStore.stderr, /--store: "mysql" is not one of sqlite, etcd/);
});

test('the server banner says how to connect', () => {
  const banner = usageBanner({
    url: 'https://127.0.0.1:6443',
    tokenPath: '/data dir/admin.token',
    passwordPath: '/data dir/admin.password',
    selfSigned: true,
  });
  assert.match(
    banner,
    /Dashboard: https:\/\/127.0.0.1:6443\/ \(user admin, password in \/data dir\/admin.password\)/,
  );
  assert.match(
    banner,
    /export SLIPWAY_SERVER=https:\/\/127.0.0.1:6443 SLIPWAY_TOKEN=\$\(cat '\/data dir\/admin.token'\) SLIPWAY_INSECURE_SKIP_TLS_VERIFY=true/,
  );
  assert.match(banner, /slipway get clustertemplates/);
  assert.match(
    banner,
    /slipway login --server https:\/\/127.0.0.1:6443 --token "\$\(cat '\/data dir\/admin.token'\)" --insecure-skip-tls-verify/,
  );
});
