import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAddressRange, resolveOptions } from './options.ts';

describe('emulator options', () => {
  test('defaults: three nodes, three storages, a shared template and one per node, one token', () => {
    const options = resolveOptions();
    assert.deepEqual(
      options.nodes.map((n) => n.name),
      ['pve1', 'pve2', 'pve3'],
    );
    assert.deepEqual(
      options.storages.map((s) => [s.id, s.shared]),
      [
        ['local', false],
        ['local-lvm', false],
        ['shared', true],
      ],
    );
    assert.deepEqual(
      options.templates.map((t) => [t.vmid, t.storage, t.node]),
      [
        [9000, 'shared', 'pve1'],
        [9001, 'local-lvm', 'pve1'],
        [9002, 'local-lvm', 'pve2'],
        [9003, 'local-lvm', 'pve3'],
      ],
    );
    assert.equal(options.tokens[0]?.tokenId, 'root@pam!slipway');
  });

  test('bad options are refused with the field named', () => {
    assert.throws(() => resolveOptions({ nodes: [] }), /^Error: nodes: at least one node/);
    assert.throws(
      () => resolveOptions({ nodes: [{ name: 'bad_name', memoryMiB: 1, cpus: 1 }] }),
      /nodes: "bad_name"/,
    );
    assert.throws(
      () =>
        resolveOptions({ templates: [{ vmid: 9000, name: 't', node: 'pve9', storage: 'shared' }] }),
      /templates\.9000\.node/,
    );
    assert.throws(
      () => resolveOptions({ tokens: [{ tokenId: 'nobody', secret: 's' }] }),
      /tokens: "nobody" is not user@realm!tokenid/,
    );
    assert.throws(
      () =>
        resolveOptions({
          tokens: [{ tokenId: 'a@pve!ops', secret: 's', privileges: { '/': ['VM.Fly'] } }],
        }),
      /unknown privilege "VM\.Fly"/,
    );
    assert.throws(
      () => resolveOptions({ faults: { serverErrorRate: 2 } }),
      /faults\.serverErrorRate/,
    );
    assert.throws(() => resolveOptions({ timing: { cloneMs: -1 } }), /timing\.cloneMs/);
    assert.throws(
      () => resolveOptions({ guestAddresses: { dhcpRange: '10.0.0.9-10.0.0.1' } }),
      /dhcpRange/,
    );
  });

  test('DHCP ranges as first-last or CIDR', () => {
    assert.deepEqual(parseAddressRange('127.0.20.10-127.0.20.12'), {
      first: 0x7f00140a,
      last: 0x7f00140c,
    });
    assert.deepEqual(parseAddressRange('127.0.20.0/30'), { first: 0x7f001401, last: 0x7f001402 });
  });
});
