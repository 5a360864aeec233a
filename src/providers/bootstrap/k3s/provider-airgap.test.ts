// Air-gapped installs: artifacts from a configured location or already on the image.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { input, renderChecked, values } from './test-fixtures.ts';
import { bootstrapSuccessFile } from './user-data.ts';

test('air-gap: artifacts from a configured location, INSTALL_K3S_SKIP_DOWNLOAD, images in place', async () => {
  const sha = 'e'.repeat(64);
  const { reading } = await renderChecked(
    await input({
      values: {
        ...values,
        airgap: {
          installScriptUrl: 'https://artifacts.lan/k3s/install.sh',
          binaryUrl: 'https://artifacts.lan/k3s/v1.31.4%2Bk3s1/k3s',
          binarySha256: sha,
          imagesUrl: 'https://artifacts.lan/k3s/v1.31.4%2Bk3s1/k3s-airgap-images-amd64.tar.zst',
        },
      },
    }),
  );
  assert.equal(reading.airgapped, true);
  assert.equal(reading.role, 'server');
  assert.deepEqual(reading.runcmd.slice(2, -2), [
    "curl -sfL --retry 10 --retry-delay 3 --retry-connrefused -o '/usr/local/bin/k3s-install.sh' 'https://artifacts.lan/k3s/install.sh'",
    "curl -sfL --retry 10 --retry-delay 3 --retry-connrefused -o '/usr/local/bin/k3s' 'https://artifacts.lan/k3s/v1.31.4%2Bk3s1/k3s'",
    `echo '${sha}  /usr/local/bin/k3s' | sha256sum -c -`,
    'chmod 0755 /usr/local/bin/k3s',
    'mkdir -p /var/lib/rancher/k3s/agent/images',
    "curl -sfL --retry 10 --retry-delay 3 --retry-connrefused -o '/var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst' 'https://artifacts.lan/k3s/v1.31.4%2Bk3s1/k3s-airgap-images-amd64.tar.zst'",
    "INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_VERSION='v1.31.4+k3s1' sh '/usr/local/bin/k3s-install.sh' server",
  ]);
  assert.ok(!reading.runcmd.some((command) => command.includes('get.k3s.io')));
});

test('air-gap with everything already on the image: only the offline install', async () => {
  const { reading } = await renderChecked(
    await input({
      role: 'worker',
      initialize: false,
      values: { airgap: { installScriptPath: '/opt/k3s/install.sh' } },
    }),
  );
  assert.deepEqual(reading.runcmd, [
    'set -e',
    "INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_VERSION='v1.31.4+k3s1' sh '/opt/k3s/install.sh' agent",
    `mkdir -p /run/slipway && touch ${bootstrapSuccessFile}`,
  ]);
});
