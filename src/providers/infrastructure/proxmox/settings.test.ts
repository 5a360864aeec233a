import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProxmoxProviderError } from './errors.ts';
import { readProxmoxSettings, validateProxmoxSettings } from './settings.ts';

function fields(settings: unknown): string[] {
  return validateProxmoxSettings(settings).map((c) => `${c.field}: ${c.message}`);
}

describe('Proxmox machine settings', () => {
  test('defaults fill what is not set', () => {
    const s = readProxmoxSettings({ template: { name: 'ubuntu-2404-k3s' } });
    assert.deepEqual(s.template, { name: 'ubuntu-2404-k3s' });
    assert.equal(s.clone, 'linked');
    assert.equal(s.cores, 2);
    assert.equal(s.sockets, 1);
    assert.equal(s.memoryMiB, 2048);
    assert.deepEqual(s.network, { bridge: 'vmbr0', model: 'virtio' });
    assert.equal(s.isoStorage, 'local');
    assert.equal(s.bootstrapMode, 'nocloud-iso');
    assert.equal(s.guestAgentTimeoutSec, 600);
    assert.equal(s.repairDrift, false);
    assert.deepEqual(s.extraDisks, []);
  });

  test('vcpu becomes cores over sockets; explicit values are kept', () => {
    const s = readProxmoxSettings({
      template: { vmid: 9000 },
      vcpu: 8,
      sockets: 2,
      memoryMiB: 8192,
      balloonMiB: 4096,
      diskGiB: 40,
      clone: 'full',
      storage: 'local-lvm',
      format: 'raw',
      pool: 'slipway',
      network: { bridge: 'vmbr1', vlan: 30, model: 'virtio', mtu: 9000 },
      extraDisks: [{ sizeGiB: 100, storage: 'data' }],
      vmidRange: { from: 5000, to: 5999 },
      allowedNodes: ['pve1', 'pve2'],
    });
    assert.equal(s.cores, 4);
    assert.equal(s.sockets, 2);
    assert.equal(s.balloonMiB, 4096);
    assert.deepEqual(s.network, { bridge: 'vmbr1', vlan: 30, model: 'virtio', mtu: 9000 });
    assert.deepEqual(s.vmidRange, { from: 5000, to: 5999 });
    assert.deepEqual(s.allowedNodes, ['pve1', 'pve2']);
  });

  test('template tags are compared in lower case', () => {
    const s = readProxmoxSettings({ template: { tags: ['K3s', 'golden'] } });
    assert.deepEqual(s.template, { tags: ['k3s', 'golden'] });
  });

  test('the template must be chosen by exactly one selector', () => {
    assert.deepEqual(fields({ template: {} }), [
      'template: choose the template by one of vmid, name or tags',
    ]);
    assert.deepEqual(fields({ template: { vmid: 9000, name: 'x' } }), [
      'template: choose the template by one of vmid, name or tags, not vmid and name',
    ]);
    assert.match(fields({})[0] ?? '', /^template: /);
  });

  test('schema errors name the field, unknown fields are refused by name', () => {
    const problems = fields({
      template: { vmid: 5 },
      network: { vlan: 5000, model: 'tulip' },
      extraDisks: [{ sizeGiB: 0 }],
      cpus: 4,
      clone: 'thin',
    });
    const byField = new Map(problems.map((p) => [p.split(':')[0], p]));
    assert.ok(byField.has('template.vmid'), problems.join('\n'));
    assert.ok(byField.has('network.vlan'), problems.join('\n'));
    assert.match(byField.get('network.model') ?? '', /must be one of "virtio"/);
    assert.ok(byField.has('extraDisks[0].sizeGiB'), problems.join('\n'));
    assert.equal(byField.get('cpus'), 'cpus: unknown field');
    assert.match(byField.get('clone') ?? '', /must be one of "linked", "full"/);
  });

  test('rules a schema cannot say', () => {
    const base = { template: { vmid: 9000 } };
    assert.deepEqual(fields({ ...base, storage: 'fast' }), [
      'storage: a linked clone stays on the template’s storage: set clone: full',
    ]);
    assert.deepEqual(fields({ ...base, clone: 'linked', format: 'qcow2' }), [
      'format: only a full clone can choose its disk format: set clone: full',
    ]);
    assert.deepEqual(fields({ ...base, memoryMiB: 1024, balloonMiB: 2048 }), [
      'balloonMiB: must not exceed memoryMiB (1024)',
    ]);
    assert.deepEqual(fields({ ...base, vmidRange: { from: 600, to: 500 } }), [
      'vmidRange: from must not be greater than to',
    ]);
    assert.deepEqual(fields({ ...base, network: { model: 'e1000', mtu: 1400 } }), [
      'network.mtu: Proxmox sets an MTU only on virtio NICs',
    ]);
    assert.deepEqual(fields({ ...base, vcpu: 3, sockets: 2 }), [
      'vcpu: must be a multiple of sockets (2)',
    ]);
    assert.deepEqual(fields({ ...base, vcpu: 4, cores: 2 }), [
      'vcpu: disagrees with cores × sockets: set one or the other',
    ]);
    assert.deepEqual(fields({ ...base, sshKeys: ['ssh-ed25519 AAAA'] }), [
      'sshKeys: only used with bootstrapMode: proxmox-cloudinit',
    ]);
    assert.deepEqual(
      fields({ ...base, bootstrapMode: 'proxmox-cloudinit', sshKeys: ['ssh-ed25519 AAAA'] }),
      [],
    );
    assert.deepEqual(
      fields({ ...base, bootstrapMode: 'proxmox-cloudinit', ciUser: 'Web Admin' }).map(
        (f) => f.split(':')[0],
      ),
      ['ciUser'],
    );
    const resolved = readProxmoxSettings({ ...base, bootstrapMode: 'proxmox-cloudinit' });
    assert.equal(resolved.ciUser, 'slipway', 'ciUser defaults to slipway');
  });

  test('readProxmoxSettings throws a permanent InvalidSettings error with causes', () => {
    assert.throws(
      () => readProxmoxSettings({ template: { vmid: 9000 }, memoryMiB: 'lots' }),
      (err: unknown) => {
        assert.ok(err instanceof ProxmoxProviderError);
        assert.equal(err.reason, 'InvalidSettings');
        assert.equal(err.retryable, false);
        assert.deepEqual(
          err.causes.map((c) => c.field),
          ['memoryMiB'],
        );
        assert.match(err.message, /^invalid Proxmox machine settings: memoryMiB: /);
        return true;
      },
    );
  });
});
