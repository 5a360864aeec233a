import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProxmoxProviderError } from './errors.ts';
import { choosePlacement, type NodeCapacity, type PlacementInput } from './placement.ts';
import type { TemplateCopy } from './templates.ts';

const GiB = 1024 ** 3;

function node(name: string, freeGiB: number, online = true): NodeCapacity {
  return { name, online, maxmem: 64 * GiB, mem: (64 - freeGiB) * GiB };
}

const shared: TemplateCopy = { vmid: 9000, node: 'pve1', shared: true, storages: ['shared'] };
const local = (n: string, vmid: number): TemplateCopy => ({
  vmid,
  node: n,
  shared: false,
  storages: ['local-lvm'],
});

function input(overrides: Partial<PlacementInput>): PlacementInput {
  return {
    nodes: [node('pve1', 32), node('pve2', 32), node('pve3', 32)],
    templates: [shared],
    role: 'worker',
    memoryMiB: 4096,
    pendingMiB: new Map(),
    peers: [],
    ...overrides,
  };
}

describe('placement', () => {
  test('a worker goes where the most memory is free', () => {
    const p = choosePlacement(
      input({ nodes: [node('pve1', 8), node('pve2', 40), node('pve3', 20)] }),
    );
    assert.equal(p.node, 'pve2');
    assert.equal(p.target, 'pve2', 'a shared template is cloned across nodes');
    assert.equal(p.source.vmid, 9000);
  });

  test('memory Slipway placed but Proxmox does not count yet is subtracted', () => {
    const p = choosePlacement(
      input({
        nodes: [node('pve1', 32), node('pve2', 30)],
        pendingMiB: new Map([['pve1', 8192]]),
      }),
    );
    assert.equal(p.node, 'pve2');
    assert.equal(p.freeMiB, 30 * 1024);
  });

  test('control planes of one cluster spread across nodes', () => {
    const p = choosePlacement(
      input({
        role: 'control-plane',
        nodes: [node('pve1', 60), node('pve2', 10), node('pve3', 20)],
        peers: [
          { node: 'pve1', role: 'control-plane' },
          { node: 'pve2', role: 'control-plane' },
          { node: 'pve3', role: 'worker' },
        ],
      }),
    );
    assert.equal(p.node, 'pve3');
  });

  test('a node-local template copy is used on its own node, without a target', () => {
    const p = choosePlacement(
      input({
        templates: [local('pve1', 9000), local('pve2', 9001)],
        nodes: [node('pve1', 10), node('pve2', 20), node('pve3', 60)],
      }),
    );
    assert.equal(p.node, 'pve2', 'pve3 has no copy and none is shared');
    assert.equal(p.source.vmid, 9001);
    assert.equal(p.target, undefined);
  });

  test('allowedNodes and offline nodes limit the choice', () => {
    const p = choosePlacement(
      input({
        allowedNodes: ['pve1', 'pve3'],
        nodes: [node('pve1', 10), node('pve2', 60), node('pve3', 50, false)],
      }),
    );
    assert.equal(p.node, 'pve1');
  });

  test('no room anywhere is a retryable NoNodeAvailable that says why for each node', () => {
    assert.throws(
      () =>
        choosePlacement(
          input({
            memoryMiB: 16_384,
            allowedNodes: ['pve1', 'pve2', 'pve9'],
            templates: [local('pve1', 9000)],
            nodes: [node('pve1', 8), node('pve2', 60), node('pve3', 60, false)],
          }),
        ),
      (err: unknown) => {
        assert.ok(err instanceof ProxmoxProviderError);
        assert.equal(err.reason, 'NoNodeAvailable');
        assert.equal(err.retryable, true);
        assert.match(err.message, /pve1 has 8192 MiB free/);
        assert.match(err.message, /pve2 has no copy of the template/);
        assert.match(err.message, /pve9 is not a node of this cluster/);
        return true;
      },
    );
  });
});
