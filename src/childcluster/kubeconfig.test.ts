import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { makeTestCA } from '../providers/infrastructure/sim/child-api/test-pki.ts';
import { createTargetSecureContext, parseKubeconfig } from './kubeconfig.ts';
import { ChildClusterErrorCode, isChildClusterError } from './types.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** A kubectl-style kubeconfig: two clusters, users and contexts; `prod` is current. */
function kubectlStyle(
  cluster: Record<string, unknown> = {},
  user: Record<string, unknown> = { token: 'abc.def' },
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      { name: 'dev', cluster: { server: 'https://dev.example:6443' } },
      { name: 'prod', cluster: { server: 'https://api.prod.example:6443', ...cluster } },
    ],
    users: [
      { name: 'dev-user', user: { token: 'dev-token' } },
      { name: 'prod-admin', user },
    ],
    contexts: [
      { name: 'dev', context: { cluster: 'dev', user: 'dev-user' } },
      { name: 'prod', context: { cluster: 'prod', user: 'prod-admin', namespace: 'apps' } },
    ],
    'current-context': 'prod',
  };
}

function rejects(doc: unknown, pattern: RegExp): void {
  assert.throws(
    () => parseKubeconfig(typeof doc === 'string' ? doc : stringify(doc)),
    (err: unknown) => {
      assert.ok(isChildClusterError(err, ChildClusterErrorCode.InvalidKubeconfig), String(err));
      assert.match(err.message, pattern);
      return true;
    },
  );
}

test('the current context picks the cluster and user; a DNS host is the TLS server name', () => {
  const target = parseKubeconfig(stringify(kubectlStyle()));
  assert.deepEqual(target, {
    server: 'https://api.prod.example:6443',
    origin: 'https://api.prod.example:6443',
    basePath: '',
    hostname: 'api.prod.example',
    servername: 'api.prod.example',
    rejectUnauthorized: true,
    ca: undefined,
    clientCertificate: undefined,
    token: 'abc.def',
  });
});

test('a path prefix, an IPv6 server, tls-server-name, insecure-skip-tls-verify and certificates', () => {
  const doc = kubectlStyle(
    {
      server: 'https://[fd00::5]:6443/clusters/default/demo/',
      'tls-server-name': 'demo.default.sim',
      'insecure-skip-tls-verify': true,
      'certificate-authority-data': b64('CA PEM'),
      // A file field is fine when the data it names is embedded too.
      'certificate-authority': '/etc/ca.pem',
    },
    { 'client-certificate-data': b64('CERT PEM'), 'client-key-data': b64('KEY PEM') },
  );
  const target = parseKubeconfig(stringify(doc));
  assert.equal(target.server, 'https://[fd00::5]:6443/clusters/default/demo');
  assert.equal(target.origin, 'https://[fd00::5]:6443');
  assert.equal(target.basePath, '/clusters/default/demo');
  assert.equal(target.hostname, 'fd00::5');
  assert.equal(target.servername, 'demo.default.sim');
  assert.equal(target.rejectUnauthorized, false);
  assert.equal(target.ca?.toString(), 'CA PEM');
  assert.equal(target.clientCertificate?.cert.toString(), 'CERT PEM');
  assert.equal(target.clientCertificate?.key.toString(), 'KEY PEM');
  assert.equal(target.token, undefined);
});

test('an IP address server without tls-server-name sends no server name', () => {
  const target = parseKubeconfig(stringify(kubectlStyle({ server: 'https://10.0.0.5:6443' })));
  assert.equal(target.servername, undefined);
});

test('plugins, files, proxies, basic auth and impersonation are refused by field name', () => {
  const user = 'users\\[name="prod-admin"\\]\\.user';
  rejects(
    kubectlStyle({}, { exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1' } }),
    new RegExp(`${user}\\.exec is not supported: exec credential plugins are not supported`),
  );
  rejects(
    kubectlStyle({}, { 'auth-provider': { name: 'oidc' } }),
    new RegExp(`${user}\\.auth-provider is not supported`),
  );
  rejects(
    kubectlStyle({}, { 'client-certificate': '/c.pem', 'client-key': '/k.pem' }),
    new RegExp(`${user}\\.client-certificate is not supported: embed the certificate`),
  );
  rejects(kubectlStyle({}, { tokenFile: '/t' }), new RegExp(`${user}\\.tokenFile`));
  rejects(
    kubectlStyle({}, { username: 'a', password: 'b' }),
    /basic authentication is not supported/,
  );
  rejects(kubectlStyle({}, { token: 't', as: 'bob' }), new RegExp(`${user}\\.as is not`));
  rejects(
    kubectlStyle({ 'proxy-url': 'http://proxy:3128' }),
    /clusters\[name="prod"\]\.cluster\.proxy-url is not supported/,
  );
  rejects(
    kubectlStyle({ 'certificate-authority': '/ca.pem' }),
    /clusters\[name="prod"\]\.cluster\.certificate-authority is not supported/,
  );
});

test('missing or malformed fields are named', () => {
  rejects('clusters: []\ncontexts: []\nusers: []\n', /current-context is not set/);
  rejects('{ not yaml', /it is not YAML/);
  rejects({ ...kubectlStyle(), 'current-context': 'qa' }, /contexts\[name="qa"\] is missing/);
  rejects({ ...kubectlStyle(), clusters: [] }, /clusters\[name="prod"\] is missing/);
  rejects(kubectlStyle({ server: '' }), /clusters\[name="prod"\]\.cluster\.server is missing/);
  rejects(kubectlStyle({ server: 'api:6443' }), /server must be an https:\/\/ URL/);
  rejects(kubectlStyle({ server: 'http://127.0.0.1:8080' }), /server must be an https:\/\/ URL/);
  rejects(kubectlStyle({ server: 'not a url' }), /server is not a URL/);
  rejects(
    kubectlStyle({ 'insecure-skip-tls-verify': 'yes' }),
    /insecure-skip-tls-verify must be true or false/,
  );
  rejects(
    kubectlStyle({ 'certificate-authority-data': 'not*base64' }),
    /cluster\.certificate-authority-data is not base64/,
  );
  rejects(
    kubectlStyle({}, { 'client-certificate-data': b64('CERT') }),
    /user\.client-key-data is missing \(a client certificate needs both\)/,
  );
  rejects(kubectlStyle({}, { token: 42 }), /user\.token must be a string/);
});

test('a context without a user is anonymous', () => {
  const doc = kubectlStyle();
  doc['contexts'] = [{ name: 'prod', context: { cluster: 'prod' } }];
  const target = parseKubeconfig(stringify(doc));
  assert.equal(target.token, undefined);
  assert.equal(target.clientCertificate, undefined);
});

test('PEM that TLS cannot use is InvalidKubeconfig naming the field', async () => {
  const ca = await makeTestCA('k3s-server-ca');
  const badCa = parseKubeconfig(
    stringify(kubectlStyle({ 'certificate-authority-data': b64('garbage') })),
  );
  assert.throws(
    () => createTargetSecureContext(badCa),
    /certificate-authority-data holds no PEM certificate/,
  );
  const badKey = parseKubeconfig(
    stringify(
      kubectlStyle(
        { 'certificate-authority-data': b64(ca.cert) },
        { 'client-certificate-data': b64(ca.cert), 'client-key-data': b64('garbage') },
      ),
    ),
  );
  assert.throws(
    () => createTargetSecureContext(badKey),
    (err: unknown) =>
      isChildClusterError(err, ChildClusterErrorCode.InvalidKubeconfig) &&
      /client-certificate-data\/client-key-data cannot be used by TLS/.test(err.message),
  );
  const good = parseKubeconfig(
    stringify(
      kubectlStyle(
        { 'certificate-authority-data': b64(ca.cert) },
        { 'client-certificate-data': b64(ca.cert), 'client-key-data': b64(ca.key) },
      ),
    ),
  );
  assert.ok(createTargetSecureContext(good));
});
