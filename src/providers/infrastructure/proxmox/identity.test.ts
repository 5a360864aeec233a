import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agentInterfaces, guestAddress } from './guest-network.ts';
import {
  clusterOf,
  hasMachineTags,
  machineDescription,
  machineUIDOf,
  parseTags,
  withMachineTags,
  type MachineIdentity,
} from './identity.ts';
import { CloneSlots, KeyedMutex } from './limiter.ts';
import { missingPrivileges } from './permissions.ts';

const id: MachineIdentity = {
  namespace: 'default',
  clusterName: 'web',
  machineName: 'web-worker-x1',
  machineUID: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
  role: 'worker',
};

describe('VM identity', () => {
  test('the description carries the uid and the cluster, readable back', () => {
    const description = machineDescription(id);
    assert.match(
      description,
      /^Managed by Slipway: machine web-worker-x1 \(worker\) of cluster default\/web\./,
    );
    assert.equal(machineUIDOf(description), id.machineUID);
    assert.equal(clusterOf(description), 'default/web');
    assert.equal(machineUIDOf('a VM someone made by hand'), undefined);
    assert.equal(machineUIDOf(undefined), undefined);
  });

  test('tags are added to the template’s, compared without case or order', () => {
    const tags = withMachineTags('Golden;k3s', id);
    assert.equal(tags, 'golden;k3s;slipway;cluster.default.web;role.worker');
    assert.equal(hasMachineTags('role.worker,SLIPWAY cluster.default.web', id), true);
    assert.equal(hasMachineTags('slipway;cluster.default.web', id), false);
    assert.deepEqual(parseTags(' a;;b, c '), ['a', 'b', 'c']);
  });
});

describe('guest agent addresses', () => {
  const data = {
    result: [
      {
        name: 'lo',
        'hardware-address': '00:00:00:00:00:00',
        'ip-addresses': [{ 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 }],
      },
      { name: 'eth1', 'hardware-address': 'bc:24:11:00:00:02' },
      {
        name: 'eth0',
        'hardware-address': 'bc:24:11:00:00:01',
        'ip-addresses': [
          { 'ip-address': 'fe80::1', 'ip-address-type': 'ipv6', prefix: 64 },
          { 'ip-address': '127.0.10.5', 'ip-address-type': 'ipv4', prefix: 24 },
        ],
      },
    ],
  };

  test('the address on the machine’s MAC (Proxmox upper case, agent lower case)', () => {
    const interfaces = agentInterfaces(data);
    assert.equal(guestAddress(interfaces, { macAddress: 'BC:24:11:00:00:01' }), '127.0.10.5');
    assert.equal(guestAddress(interfaces, { macAddress: 'BC:24:11:00:00:02' }), undefined);
  });

  test('without a MAC, the first IPv4 off the loopback interface (127.x is fine)', () => {
    assert.equal(guestAddress(agentInterfaces(data), {}), '127.0.10.5');
  });

  test('a static address counts only once the agent reports exactly it', () => {
    const interfaces = agentInterfaces(data);
    assert.equal(
      guestAddress(interfaces, { macAddress: 'bc:24:11:00:00:01', expected: '127.0.10.9' }),
      undefined,
    );
    assert.equal(
      guestAddress(interfaces, { macAddress: 'bc:24:11:00:00:01', expected: '127.0.10.5' }),
      '127.0.10.5',
    );
    assert.deepEqual(agentInterfaces('garbage'), []);
  });
});

describe('clone slots and the per-machine mutex', () => {
  test('slots of several keys are taken together or not at all, and released once', () => {
    const slots = new CloneSlots();
    const a = slots.tryAcquire([
      { key: 't', limit: 2 },
      { key: 's', limit: 1 },
    ]);
    assert.ok(a);
    assert.equal(
      slots.tryAcquire([
        { key: 't', limit: 2 },
        { key: 's', limit: 1 },
      ]),
      undefined,
    );
    assert.equal(slots.inUse('t'), 1, 'a refused request takes nothing');
    const b = slots.tryAcquire([{ key: 't', limit: 2 }]);
    assert.ok(b);
    assert.equal(slots.tryAcquire([{ key: 't', limit: 2 }]), undefined);
    a();
    a();
    assert.equal(slots.inUse('t'), 1);
    assert.equal(slots.inUse('s'), 0);
  });

  test('work for one key runs one at a time, in order', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const step = (name: string, ms: number) =>
      mutex.run('m1', async () => {
        log.push(`${name} start`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${name} end`);
        return name;
      });
    const results = await Promise.all([
      step('a', 20),
      step('b', 1),
      mutex.run('m2', () => Promise.resolve('c')),
    ]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(log, ['a start', 'a end', 'b start', 'b end']);
  });
});

describe('privileges', () => {
  test('held on any path counts; the agent privilege depends on the version', () => {
    const all = {
      '/': { 'Sys.Audit': 1, 'Datastore.Audit': 1 },
      '/sdn/zones/localnetwork': { 'SDN.Use': 1 },
      '/vms': {
        'VM.Audit': 1,
        'VM.Clone': 1,
        'VM.Allocate': 1,
        'VM.Config.CPU': 1,
        'VM.Config.Memory': 1,
        'VM.Config.Network': 1,
        'VM.Config.Disk': 1,
        'VM.Config.CDROM': 1,
        'VM.Config.Options': 1,
        'VM.Config.Cloudinit': 1,
        'VM.PowerMgmt': 1,
        'VM.GuestAgent.Audit': 0,
      },
      '/storage/local': {
        'Datastore.AllocateSpace': 1,
        'Datastore.AllocateTemplate': 1,
        'Datastore.Allocate': 1,
      },
    };
    assert.deepEqual(missingPrivileges(all, 9), []);
    assert.deepEqual(missingPrivileges(all, 8), ['VM.Monitor']);
    assert.deepEqual(missingPrivileges({ '/vms': { 'VM.Audit': 1 } }, 9).slice(0, 3), [
      'VM.Clone',
      'VM.Allocate',
      'VM.Config.CPU',
    ]);
  });
});
