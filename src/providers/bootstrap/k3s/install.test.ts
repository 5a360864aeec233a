import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { BootstrapError } from '../errors.ts';
import { assertK3sVersion, imagesFileName, renderInstallCommands, shellQuote } from './install.ts';

test('online: the official script, downloaded then run, at the pinned version', () => {
  assert.deepEqual(renderInstallCommands({ role: 'worker', version: 'v1.32.0-rc1+k3s1' }), [
    "curl -sfL --retry 10 --retry-delay 3 --retry-connrefused -o '/usr/local/bin/k3s-install.sh' 'https://get.k3s.io'",
    "INSTALL_K3S_VERSION='v1.32.0-rc1+k3s1' sh '/usr/local/bin/k3s-install.sh' agent",
  ]);
});

test('air-gap: checksums are checked when given', () => {
  const sha = '0'.repeat(64);
  const commands = renderInstallCommands({
    role: 'control-plane',
    version: 'v1.31.4+k3s1',
    airgap: {
      installScriptUrl: 'http://a.lan/install.sh',
      installScriptSha256: sha,
      imagesUrl: 'https://a.lan/x/k3s-airgap-images-arm64.tar.gz?token=abc',
      imagesSha256: sha,
    },
  });
  assert.deepEqual(commands, [
    "curl -sfL --retry 10 --retry-delay 3 --retry-connrefused -o '/usr/local/bin/k3s-install.sh' 'http://a.lan/install.sh'",
    `echo '${sha}  /usr/local/bin/k3s-install.sh' | sha256sum -c -`,
    'mkdir -p /var/lib/rancher/k3s/agent/images',
    "curl -sfL --retry 10 --retry-delay 3 --retry-connrefused -o '/var/lib/rancher/k3s/agent/images/k3s-airgap-images-arm64.tar.gz' 'https://a.lan/x/k3s-airgap-images-arm64.tar.gz?token=abc'",
    `echo '${sha}  /var/lib/rancher/k3s/agent/images/k3s-airgap-images-arm64.tar.gz' | sha256sum -c -`,
    "INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_VERSION='v1.31.4+k3s1' sh '/usr/local/bin/k3s-install.sh' server",
  ]);
  assert.equal(imagesFileName('https://a.lan/k3s%20images.tar.zst'), 'k3s_images.tar.zst');
});

test('quoting survives sh, whatever the string holds', async () => {
  for (const value of ["it's", '$(reboot)', '`x`', 'a b', '"', "''", '\\n']) {
    const { stdout } = await promisify(execFile)('sh', ['-c', `printf %s ${shellQuote(value)}`]);
    assert.equal(stdout, value);
  }
});

test('versions must look like K3s versions', () => {
  assertK3sVersion('v1.31.4+k3s1');
  for (const bad of [
    '1.31.4+k3s1',
    'v1.31.4',
    'latest',
    "v1.31.4+k3s1'; reboot; '",
    'v1.31+k3s1',
  ]) {
    assert.throws(
      () => assertK3sVersion(bad),
      (err: unknown) => err instanceof BootstrapError && err.reason === 'InvalidVersion',
    );
  }
});
