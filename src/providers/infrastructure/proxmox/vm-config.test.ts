import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cloneConfigParams, ipconfigOf, isConfigured } from './clone-config.ts';
import type { MachineIdentity } from './identity.ts';
import { readProxmoxSettings } from './settings.ts';
import {
  bootDisk,
  configDrift,
  desiredNic,
  diskSizeGiB,
  memoryOf,
  parseNic,
  sizeGiB,
} from './vm-config.ts';

const identity: MachineIdentity = {
  namespace: 'team-a',
  clusterName: 'demo',
  machineName: 'demo-cp-abcde',
  machineUID: '0b8f5a8e-1111-4222-8333-944445555666',
  role: 'control-plane',
};

const template = {
  digest: 'abc',
  boot: 'order=scsi0;ide2;net0',
  scsi0: 'local-lvm:base-9000-disk-0/vm-104-disk-0,size=10G',
  ide2: 'local-lvm:vm-104-cloudinit,media=cdrom',
  net0: 'virtio=BC:24:11:2E:C5:4A,bridge=vmbr0,firewall=1',
  cores: 1,
  memory: '1024',
  tags: 'golden',
};

describe('VM config', () => {
  test('NICs parse and keep options Slipway does not set', () => {
    const nic = parseNic('e1000=bc:24:11:00:00:01,bridge=vmbr0,tag=10,firewall=1');
    assert.deepEqual(nic, {
      model: 'e1000',
      macaddr: 'BC:24:11:00:00:01',
      bridge: 'vmbr0',
      tag: 10,
      rest: [['firewall', '1']],
    });
    assert.equal(
      desiredNic(
        template.net0,
        { bridge: 'vmbr1', model: 'virtio', vlan: 30, mtu: 9000 },
        'bc:24:11:aa:bb:cc',
      ),
      'virtio=BC:24:11:AA:BB:CC,bridge=vmbr1,tag=30,mtu=9000,firewall=1',
    );
    assert.equal(
      desiredNic(
        'virtio=BC:24:11:2E:C5:4A,bridge=vmbr0,tag=5',
        { bridge: 'vmbr0', model: 'virtio' },
        undefined,
      ),
      'virtio=BC:24:11:2E:C5:4A,bridge=vmbr0',
      'a VLAN the settings do not ask for is removed',
    );
  });

  test('boot disk, sizes and memory', () => {
    assert.equal(bootDisk(template), 'scsi0');
    assert.equal(
      bootDisk({ virtio0: 'x:vm-1-disk-0,size=1G', ide2: 'none,media=cdrom' }),
      'virtio0',
    );
    assert.equal(diskSizeGiB(template, 'scsi0'), 10);
    assert.equal(sizeGiB('512M'), 0.5);
    assert.equal(sizeGiB('2T'), 2048);
    assert.equal(sizeGiB('10737418240'), 10);
    assert.equal(memoryOf({ memory: 'current=4096' }), 4096);
    assert.equal(memoryOf({ memory: 2048 }), 2048);
    assert.equal(memoryOf({}), 512);
  });

  test('nocloud-iso: the ISO takes the cloud-init drive’s slot; tags, CPU, memory, NIC, agent set', () => {
    const settings = readProxmoxSettings({
      template: { vmid: 9000 },
      vcpu: 4,
      memoryMiB: 4096,
      balloonMiB: 2048,
      network: { bridge: 'vmbr1', vlan: 20 },
      extraDisks: [{ sizeGiB: 50 }],
    });
    const { params, isoDrive } = cloneConfigParams({
      config: template,
      settings,
      identity,
      network: { mode: 'dhcp', macAddress: 'bc:24:11:00:00:07' },
      isoVolume: 'local:iso/slipway-demo-cp-abcde-0b8f.iso',
    });
    assert.equal(isoDrive, 'ide2');
    assert.deepEqual(params, {
      cores: 4,
      sockets: 1,
      memory: '4096',
      balloon: 2048,
      agent: 'enabled=1',
      net0: 'virtio=BC:24:11:00:00:07,bridge=vmbr1,tag=20,firewall=1',
      tags: 'golden;slipway;cluster.team-a.demo;role.control-plane',
      ide2: 'local:iso/slipway-demo-cp-abcde-0b8f.iso,media=cdrom',
      scsi1: 'local-lvm:50',
    });
  });

  test('nocloud-iso: cloud-init drives elsewhere are deleted beside the ISO', () => {
    const settings = readProxmoxSettings({ template: { vmid: 9000 } });
    const { params, isoDrive } = cloneConfigParams({
      config: {
        ...template,
        ide2: undefined,
        scsi1: 'local-lvm:vm-104-cloudinit,media=cdrom',
        agent: '1',
      },
      settings,
      identity,
      isoVolume: 'local:iso/x.iso',
    });
    assert.equal(isoDrive, 'ide2');
    assert.equal(params['delete'], 'scsi1');
    assert.equal(params['agent'], undefined, 'an enabled agent is left alone');
  });

  test('proxmox-cloudinit: Proxmox fields, a cloud-init drive added when the template has none', () => {
    const settings = {
      ...readProxmoxSettings({ template: { vmid: 9000 } }),
      bootstrapMode: 'proxmox-cloudinit' as const,
      ciUser: 'ubuntu',
    };
    const { params } = cloneConfigParams({
      config: { ...template, ide2: undefined },
      settings,
      identity,
      cloudInit: {
        ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1',
        ciuser: 'ubuntu',
        nameserver: '10.0.0.1',
      },
    });
    assert.equal(params['ide2'], 'local-lvm:cloudinit');
    assert.equal(params['ipconfig0'], 'ip=10.0.0.5/24,gw=10.0.0.1');
    assert.equal(params['ciuser'], 'ubuntu');
    assert.equal(params['nameserver'], '10.0.0.1');
  });

  test('ipconfig0 from the machine network', () => {
    assert.equal(ipconfigOf(undefined), 'ip=dhcp');
    assert.equal(ipconfigOf({ mode: 'dhcp', macAddress: 'x' }), 'ip=dhcp');
    assert.equal(
      ipconfigOf({
        mode: 'static',
        macAddress: 'x',
        address: '10.1.0.9',
        prefix: 16,
        gateway: '10.1.0.1',
      }),
      'ip=10.1.0.9/16,gw=10.1.0.1',
    );
  });

  test('configured means every Slipway tag is on the VM', () => {
    assert.equal(isConfigured(template, identity), false);
    assert.equal(
      isConfigured({ tags: 'golden;slipway;cluster.team-a.demo;role.control-plane' }, identity),
      true,
    );
    assert.equal(
      isConfigured({ tags: 'slipway;cluster.team-a.other;role.control-plane' }, identity),
      false,
    );
  });

  test('drift in cores, sockets and memory', () => {
    const settings = readProxmoxSettings({ template: { vmid: 9000 }, cores: 2, memoryMiB: 2048 });
    assert.deepEqual(configDrift({ cores: 2, memory: '2048' }, settings), []);
    assert.deepEqual(configDrift({ cores: 4, sockets: 1, memory: '1024' }, settings), [
      { field: 'cores', actual: 4, wanted: 2 },
      { field: 'memory', actual: 1024, wanted: 2048 },
    ]);
  });
});
