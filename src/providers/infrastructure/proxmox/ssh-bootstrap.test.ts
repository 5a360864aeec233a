// bootstrapMode proxmox-cloudinit on the Proxmox emulator: Proxmox's cloud-init fields
// and drive instead of an ISO, then the K3s user-data over SSH into the guest's
// cloud-init, the node joined; a repeat finds the marker; failures and a missing key are
// reported with their reasons.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import ssh2 from 'ssh2';
import { createK3sBootstrapProvider } from '../../bootstrap/k3s/index.ts';
import type { MachineNetwork, MachineRequest } from '../types.ts';
import { ProxmoxProviderError } from './errors.ts';
import { bootstrapCommands, cloudInitModules } from './ssh-bootstrap.ts';
import { readSshLoginKey } from './ssh-key.ts';
import { isRunning, startHarness, type Harness } from './test-support.ts';

const k3s = createK3sBootstrapProvider();
const loginKey = ssh2.utils.generateKeyPairSync('ed25519');
const settings = {
  template: { name: 'ubuntu-2404-k3s' },
  memoryMiB: 1024,
  stopGraceSec: 0,
  bootstrapMode: 'proxmox-cloudinit',
  sshKeys: [
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE0kqZcd0pQ8Xn7VhP2mNq0tB2hAbs0Vx4y1o2W9k1cS admin',
  ],
};

function network(address: string, mac: string): MachineNetwork {
  return {
    mode: 'static',
    macAddress: mac,
    address,
    prefix: 24,
    gateway: '127.0.70.1',
    dnsServers: ['127.0.70.1'],
    searchDomains: ['lab.example'],
  };
}

async function k3sRequests(h: Harness) {
  const secrets = await k3s.generateClusterSecrets({ clusterName: 'demo', namespace: 'default' });
  const endpoint = { host: '127.0.70.10', port: 6443 };
  const credential = {
    ...h.credential,
    secret: { ...h.credential.secret, sshPrivateKey: loginKey.private },
  };
  const make = async (
    name: string,
    role: 'control-plane' | 'worker',
    address: string,
    mac: string,
  ): Promise<MachineRequest> => {
    const base = h.request(name, { role, settings, credential, network: network(address, mac) });
    const rendered = await k3s.renderMachineBootstrap({
      clusterName: 'demo',
      namespace: 'default',
      machineName: name,
      machineUID: base.machineUID,
      role,
      initialize: role === 'control-plane',
      version: 'v1.31.4+k3s1',
      endpoint,
      secrets,
      values: {},
      network: network(address, mac),
    });
    return { ...base, bootstrap: rendered };
  };
  return {
    server: await make('cp-0', 'control-plane', '127.0.70.10', '02:00:00:70:00:10'),
    worker: await make('worker-0', 'worker', '127.0.70.11', '02:00:00:70:00:11'),
  };
}

describe('Proxmox provider: bootstrapMode proxmox-cloudinit (user-data over SSH)', () => {
  test('the commands: marker per machine, cloud-init modules in boot order', () => {
    const commands = bootstrapCommands('1f2e3d4c-0000-4000-8000-000000000001');
    assert.equal(
      commands.check,
      'sudo test -e /var/lib/slipway/bootstrapped-1f2e3d4c-0000-4000-8000-000000000001',
    );
    assert.match(commands.run, /for m in set_hostname update_hostname write_files runcmd /);
    assert.ok(
      cloudInitModules.indexOf('runcmd') < cloudInitModules.indexOf('scripts_user'),
      'runcmd writes the script scripts_user runs',
    );
    assert.throws(() => bootstrapCommands("x'; rm -rf /"), /cannot name a file/);
  });

  test('the login key: its public half, or SSHKeyMissing naming sshPrivateKey', () => {
    const credential = { ref: 'test/pve', config: {}, secret: { sshPrivateKey: loginKey.private } };
    assert.equal(
      readSshLoginKey(credential).publicKey.split(' ')[1],
      loginKey.public.split(' ')[1],
    );
    for (const secret of [{}, { sshPrivateKey: 'not a key' }]) {
      assert.throws(
        () => readSshLoginKey({ ...credential, secret }),
        (err: unknown) =>
          err instanceof ProxmoxProviderError &&
          err.reason === 'SSHKeyMissing' &&
          !err.retryable &&
          /sshPrivateKey/.test(err.message) &&
          !err.message.includes('not a key'),
      );
    }
  });

  test('a server and a worker come up: Proxmox cloud-init fields, no ISO, K3s joined over SSH', async () => {
    const h = await startHarness({ timing: { joinRetryMs: 50 } });
    try {
      const { server, worker } = await k3sRequests(h);
      // A shared CI machine can be slow to hand out the first SSH login: allow a minute.
      const first = await h.reconcileUntil(server, isRunning, { timeoutMs: 60_000 });
      assert.ok(first.seen.includes('WaitingForSSH'), first.seen.join(' → '));
      assert.ok(first.seen.includes('RunningSSHBootstrap'), first.seen.join(' → '));
      assert.equal(first.obs.reason, 'VMRunning');
      const second = await h.reconcileUntil(worker, isRunning, { timeoutMs: 60_000 });
      assert.equal(second.obs.addresses[0]?.address, '127.0.70.11');

      assert.deepEqual(h.emulator.isos(), [], 'no NoCloud ISO in this mode');
      const vm = h.machineVMs().find((v) => v.name === 'cp-0');
      const config = vm?.config ?? {};
      assert.equal(config['ciuser'], 'slipway');
      assert.equal(config['ipconfig0'], 'ip=127.0.70.10/24,gw=127.0.70.1');
      assert.equal(config['nameserver'], '127.0.70.1');
      assert.equal(config['searchdomain'], 'lab.example');
      const keys = decodeURIComponent(String(config['sshkeys'])).split('\n');
      assert.equal(keys.length, 2);
      assert.equal(keys[0]?.split(' ')[1], loginKey.public.split(' ')[1]);
      assert.equal(keys[1], settings.sshKeys[0]);
      const drives = Object.entries(config).filter(([, v]) => /cloudinit/.test(String(v)));
      assert.equal(drives.length, 1, 'one cloud-init drive');
      assert.match(String(drives[0]?.[1]), /vm-\d+-cloudinit.*media=cdrom/);

      const [child] = h.emulator.childClusters();
      assert.deepEqual(child?.nodes.map((n) => [n.name, n.ready]).sort(), [
        ['cp-0', true],
        ['worker-0', true],
      ]);

      // A restarted server knows nothing: it looks again, finds the marker, runs nothing.
      const restarted = h.restart();
      const before = await restarted.observeMachine(worker);
      assert.equal(before?.reason, 'WaitingForSSH');
      const again = await h.reconcileUntil(worker, isRunning, { provider: restarted });
      assert.equal(again.obs.reason, 'VMRunning');
      assert.equal(h.emulator.childClusters()[0]?.nodes.length, 2);

      await h.deleteUntilGone(worker);
      await h.deleteUntilGone(server);
      assert.deepEqual(h.machineVMs(), []);
    } finally {
      await h.close();
    }
  });

  test('user-data cloud-init cannot apply: SSHBootstrapFailed with its stderr, retried', async () => {
    const h = await startHarness();
    try {
      const { worker } = await k3sRequests(h);
      const broken = { ...worker, bootstrap: { ...worker.bootstrap, userData: 'hostname: x\n' } };
      // The controller's retries: reconcile until the failure is thrown.
      const errors: unknown[] = [];
      const seen = new Set<string>();
      const deadline = Date.now() + 15_000;
      while (errors.length === 0 && Date.now() < deadline) {
        try {
          seen.add((await h.provider.reconcileMachine(broken)).reason);
        } catch (err: unknown) {
          errors.push(err);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.ok(seen.has('WaitingForSSH'), [...seen].join(', '));
      const err = errors[0];
      assert.ok(err instanceof ProxmoxProviderError, String(err));
      assert.equal(err.reason, 'SSHBootstrapFailed');
      assert.ok(err.retryable);
      assert.match(err.message, /exited 1:\nuser-data is not #cloud-config/);
    } finally {
      await h.close();
    }
  });

  test('no sshPrivateKey: SSHKeyMissing before anything is cloned', async () => {
    const h = await startHarness();
    try {
      const req = h.request('nokey', { settings });
      await assert.rejects(h.provider.reconcileMachine(req), (err: unknown) => {
        return err instanceof ProxmoxProviderError && err.reason === 'SSHKeyMissing';
      });
      assert.deepEqual(h.machineVMs(), []);
    } finally {
      await h.close();
    }
  });
});
