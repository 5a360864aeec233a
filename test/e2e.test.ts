// End to end: the real server process, its real store and TLS, driven by the real CLI.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, repoRoot, startServerProcess, withTempDir, type ServerProcess } from './support.ts';

const quickstart = join(repoRoot, 'examples', 'quickstart.yaml');

describe('slipway server with the CLI', () => {
  let dataDir: string;
  let server: ServerProcess;
  let env: Record<string, string>;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-e2e-'));
    server = await startServerProcess(dataDir);
    const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
    env = {
      SLIPWAY_SERVER: server.url,
      SLIPWAY_TOKEN: token,
      SLIPWAY_CONFIG: join(dataDir, 'no-such-config.yaml'),
    };
  });

  after(async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('prints how to connect and keeps its secrets owner-only', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(server.output(), /SLIPWAY_TOKEN=\$\(cat .*admin\.token\)/);
    assert.match(server.output(), /slipway login --server https:/);
    for (const file of ['admin.token', 'encryption-keys.json', 'tls.key']) {
      assert.equal((await stat(join(dataDir, file))).mode & 0o777, 0o600, file);
    }
    const token = await readFile(join(dataDir, 'admin.token'), 'utf8');
    assert.ok(!server.output().includes(token.trim()), 'the token itself is never printed');
  });

  test('refuses an unverified self-signed certificate, then logs in trusting it', async () => {
    const loginEnv = { SLIPWAY_CONFIG: join(dataDir, 'cli-config.yaml') };
    const refused = await cli(
      ['login', '--server', server.url, '--token', env['SLIPWAY_TOKEN']!],
      loginEnv,
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /certificate/i);

    const login = await cli(
      [
        'login',
        '--server',
        server.url,
        '--token',
        env['SLIPWAY_TOKEN']!,
        '--certificate-authority',
        join(dataDir, 'tls.crt'),
      ],
      loginEnv,
    );
    assert.equal(login.code, 0, login.stderr);
    assert.equal((await stat(loginEnv.SLIPWAY_CONFIG)).mode & 0o777, 0o600);
    const listed = await cli(['api-resources'], loginEnv);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stdout,
      /clusterdeployments\s+cld,cluster,clusters\s+slipway\.dev\/v1alpha1\s+true\s+ClusterDeployment/,
    );
    assert.equal(listed.stdout.trim().split('\n').length, 14, 'a header and 13 kinds');
  });

  test('apply creates, then reports unchanged, then configured; diff and dry run change nothing', async () => {
    const envTls = { ...env, SLIPWAY_INSECURE_SKIP_TLS_VERIFY: 'true' };
    const first = await cli(['apply', '-f', quickstart], envTls);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.stdout.trim().split('\n'), [
      'clustertemplate/k3s-sim-1-31 created',
      'credential/sim created',
      'clusterdeployment/demo created',
    ]);
    const again = await cli(['apply', '-f', quickstart], envTls);
    assert.match(again.stdout, /clusterdeployment\/demo unchanged/);

    const edited = (await readFile(quickstart, 'utf8')).replace(
      '  config:\n    workersNumber: 2\n',
      '  config:\n    workersNumber: 4\n',
    );
    assert.notEqual(edited, await readFile(quickstart, 'utf8'));
    const diff = await cli(['diff', '-f', '-'], envTls, { stdin: edited });
    assert.equal(diff.code, 1, 'diff exits 1 when there are differences');
    assert.match(diff.stdout, /-\s+workersNumber: 2\n\+\s+workersNumber: 4/);

    const dry = await cli(['apply', '-f', '-', '--dry-run=server'], envTls, { stdin: edited });
    assert.match(dry.stdout, /clusterdeployment\/demo configured \(server dry run\)/);
    const stillTwo = await cli(['get', 'cld', 'demo', '-o', 'json'], envTls);
    const demo = JSON.parse(stillTwo.stdout) as {
      spec: { config: { workersNumber: number } };
      metadata: { generation: number };
    };
    assert.equal(demo.spec.config.workersNumber, 2);

    const applied = await cli(['apply', '-f', '-'], envTls, { stdin: edited });
    assert.match(applied.stdout, /clusterdeployment\/demo configured/);
    const after = JSON.parse(
      (await cli(['get', 'cld', 'demo', '-o', 'json'], envTls)).stdout,
    ) as typeof demo;
    assert.equal(after.spec.config.workersNumber, 4);
    assert.equal(after.metadata.generation, demo.metadata.generation + 1);
  });

  test('get prints kubectl-like tables and honours selectors', async () => {
    const envTls = { ...env, SLIPWAY_INSECURE_SKIP_TLS_VERIFY: 'true' };
    const all = await cli(['get', 'clustertemplates', '-A'], envTls);
    assert.match(
      all.stdout,
      /^NAMESPACE\s+NAME\s+PROVIDER\s+DISTRIBUTION\s+VERSION\s+VALID\s+AGE\n/,
    );
    assert.match(all.stdout, /slipway-system\s+k3s-sim-1-31\s+sim\s+k3s\s+v1\.31\.4\+k3s1/);
    const matching = await cli(
      ['get', 'clusters', '-l', 'env in (demo,prod)', '-o', 'name'],
      envTls,
    );
    assert.equal(matching.stdout.trim(), 'clusterdeployment/demo');
    const none = await cli(['get', 'clusters', '-l', 'env!=demo'], envTls);
    assert.equal(none.code, 0);
    assert.match(none.stdout + none.stderr, /No resources found in default namespace/);
    const badSelector = await cli(['get', 'clusters', '-l', 'env in demo'], envTls);
    assert.notEqual(badSelector.code, 0);
    assert.match(badSelector.stderr, /selector/i);
  });

  test('bad input gets the field path and stores nothing', async () => {
    const envTls = { ...env, SLIPWAY_INSECURE_SKIP_TLS_VERIFY: 'true' };
    const manifest = [
      'apiVersion: slipway.dev/v1alpha1',
      'kind: ClusterDeployment',
      'metadata: { name: broken, namespace: default }',
      'spec: { template: k3s-sim-1-31, credential: sim, workersNumber: 3 }',
    ].join('\n');
    const result = await cli(['apply', '-f', '-'], envTls, { stdin: manifest });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /spec\.workersNumber/);
    const missing = await cli(['get', 'cld', 'broken'], envTls);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /not found/);

    const badName = await cli(['apply', '-f', '-'], envTls, {
      stdin: manifest.replace('name: broken', 'name: Not_Valid').replace(', workersNumber: 3', ''),
    });
    assert.notEqual(badName.code, 0);
    assert.match(badName.stderr, /metadata\.name/);
  });

  test('a secret written through the API is not readable in the database files', async () => {
    const envTls = { ...env, SLIPWAY_INSECURE_SKIP_TLS_VERIFY: 'true' };
    const value = `e2e-secret-${Date.now()}-value`;
    const manifest = `apiVersion: slipway.dev/v1alpha1\nkind: Secret\nmetadata: { name: token, namespace: default }\nstringData: { token: ${value} }\n`;
    const result = await cli(['apply', '-f', '-'], envTls, { stdin: manifest });
    assert.equal(result.code, 0, result.stderr);
    const got = JSON.parse(
      (await cli(['get', 'secret', 'token', '-o', 'json'], envTls)).stdout,
    ) as { data: { token: string } };
    assert.equal(Buffer.from(got.data.token, 'base64').toString(), value);
    const needles = [value, Buffer.from(value).toString('base64')].map((s) => Buffer.from(s));
    for (const file of (await readdir(dataDir)).filter((f) => f.startsWith('store.db'))) {
      const bytes = await readFile(join(dataDir, file));
      for (const needle of needles)
        assert.equal(bytes.indexOf(needle), -1, `${file} holds the secret`);
    }
  });

  test('watch streams changes; delete --wait returns once the object is gone', async () => {
    const envTls = { ...env, SLIPWAY_INSECURE_SKIP_TLS_VERIFY: 'true' };
    const stop = new AbortController();
    let sawNewCluster!: () => void;
    const seen = new Promise<void>((resolve) => (sawNewCluster = resolve));
    const watching = cli(['get', 'clusters', '--watch'], envTls, {
      signal: stop.signal,
      onStdout: (all) => {
        if (all.includes('watched')) sawNewCluster();
      },
    });
    const manifest = `apiVersion: slipway.dev/v1alpha1\nkind: ClusterDeployment\nmetadata: { name: watched, namespace: default }\nspec: { template: k3s-sim-1-31, credential: sim }\n`;
    // The watch may start after the create; either way the row must appear.
    assert.equal((await cli(['apply', '-f', '-'], envTls, { stdin: manifest })).code, 0);
    await seen;
    stop.abort();
    assert.equal(await watching.then((r) => r.code), 0);

    const deleted = await cli(['delete', 'cld', 'watched', '--wait', '--timeout', '30s'], envTls);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /clusterdeployment\/watched deleted/);
    const gone = await cli(['get', 'cld', 'watched'], envTls);
    assert.notEqual(gone.code, 0);
  });

  test('version names the client and the server it talks to', async () => {
    const result = await cli(['version'], { ...env, SLIPWAY_INSECURE_SKIP_TLS_VERIFY: 'true' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Server Version: 0\.1\.0/);
  });

  test('wait times out with a clear message when the condition never comes', async () => {
    const envTls = { ...env, SLIPWAY_INSECURE_SKIP_TLS_VERIFY: 'true' };
    const result = await cli(['wait', 'cld/demo', '--for=condition=Ready', '--timeout=1s'], envTls);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /timed out/i);
  });
});

test('the store survives a restart: same token, same objects, same certificate', async () => {
  await withTempDir('slipway-restart-', async (dataDir) => {
    const first = await startServerProcess(dataDir);
    const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
    const env = {
      SLIPWAY_SERVER: first.url,
      SLIPWAY_TOKEN: token,
      SLIPWAY_INSECURE_SKIP_TLS_VERIFY: 'true',
      SLIPWAY_CONFIG: '/nonexistent',
    };
    assert.equal((await cli(['apply', '-f', quickstart], env)).code, 0);
    const cert = await readFile(join(dataDir, 'tls.crt'), 'utf8');
    assert.equal(await first.stop(), 0, 'SIGTERM shuts down cleanly');

    const second = await startServerProcess(dataDir);
    try {
      assert.equal((await readFile(join(dataDir, 'admin.token'), 'utf8')).trim(), token);
      assert.equal(await readFile(join(dataDir, 'tls.crt'), 'utf8'), cert);
      const got = await cli(['get', 'cld', 'demo', '-o', 'name'], {
        ...env,
        SLIPWAY_SERVER: second.url,
      });
      assert.equal(got.stdout.trim(), 'clusterdeployment/demo');
    } finally {
      await second.stop();
    }
  });
});

test('--insecure-http is refused off loopback, and HTTPS options must come in pairs', async () => {
  await withTempDir('slipway-flags-', async (dataDir) => {
    const offLoopback = await cli(
      ['server', '--data-dir', dataDir, '--listen', '0.0.0.0:0', '--insecure-http'],
      {},
    );
    assert.notEqual(offLoopback.code, 0);
    assert.match(offLoopback.stderr, /loopback/);
    const half = await cli(
      ['server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--tls-cert', 'x.pem'],
      {},
    );
    assert.notEqual(half.code, 0);
    assert.match(half.stderr, /--tls-cert and --tls-key must be given together/);
  });
});
