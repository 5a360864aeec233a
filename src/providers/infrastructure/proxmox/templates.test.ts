import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProxmoxProviderError } from './errors.ts';
import { diskStorages, selectTemplates, type ClusterVM } from './templates.ts';

const vms: ClusterVM[] = [
  { vmid: 9000, node: 'pve1', name: 'ubuntu-2404-k3s', template: 1, tags: 'golden;k3s' },
  { vmid: 9001, node: 'pve2', name: 'ubuntu-2404-k3s', template: 1, tags: 'golden;k3s' },
  { vmid: 9100, node: 'pve1', name: 'debian-12', template: 1, tags: 'golden' },
  { vmid: 9101, node: 'pve1', name: 'debian-12-copy', template: 1, tags: 'golden' },
  { vmid: 120, node: 'pve3', name: 'ubuntu-2404-k3s', status: 'running' },
  { vmid: 130, node: 'pve3', name: 'almost', tags: 'k3s' },
];

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err: unknown) {
    assert.ok(err instanceof ProxmoxProviderError);
    return `${err.reason}: ${err.message}`;
  }
  return 'no error';
}

describe('template selection', () => {
  test('by VMID: exactly that template', () => {
    assert.deepEqual(
      selectTemplates(vms, { vmid: 9100 }).map((t) => t.vmid),
      [9100],
    );
  });

  test('by name: one copy per node, VMs that are not templates ignored', () => {
    const found = selectTemplates(vms, { name: 'ubuntu-2404-k3s' });
    assert.deepEqual(
      found.map((t) => `${t.node}/${t.vmid}`),
      ['pve1/9000', 'pve2/9001'],
    );
  });

  test('by tags: every tag must be present', () => {
    assert.deepEqual(
      selectTemplates(vms, { tags: ['golden', 'k3s'] }).map((t) => t.vmid),
      [9000, 9001],
    );
  });

  test('two matches on one node is ambiguous, and says which', () => {
    assert.match(
      reason(() => selectTemplates(vms, { tags: ['golden'] })),
      /^AmbiguousTemplate: more than one template with tags golden on one node \(pve1: 9000, 9100, 9101\)/,
    );
  });

  test('no match says so; a match that is no template says to convert it', () => {
    assert.match(
      reason(() => selectTemplates(vms, { name: 'nope' })),
      /^TemplateNotFound: no template with name "nope" is visible/,
    );
    assert.match(
      reason(() => selectTemplates(vms, { vmid: 120 })),
      /^TemplateNotFound: .*VM 120 on pve3 matches but is not a template/,
    );
  });

  test('disk storages leave out CD-ROMs, cloud-init drives and unused disks', () => {
    assert.deepEqual(
      diskStorages({
        scsi0: 'shared:base-9000-disk-0,size=10G',
        efidisk0: 'local-lvm:base-9000-disk-1,size=4M',
        ide2: 'local-lvm:vm-9000-cloudinit,media=cdrom',
        ide0: 'local:iso/x.iso,media=cdrom',
        unused0: 'other:vm-9000-disk-5',
        net0: 'virtio=AA:BB:CC:DD:EE:FF,bridge=vmbr0',
      }),
      ['local-lvm', 'shared'],
    );
  });
});
