import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  configDigest,
  configFileText,
  formatSize,
  parseDrive,
  parseNet,
  parseSize,
  printNet,
  randomMac,
} from './config-format.ts';
import { formatUpid, parseUpid } from './upid.ts';

describe('config formats', () => {
  test('sizes read and print as PVE does', () => {
    assert.equal(parseSize('32G'), 32 * 1024 ** 3);
    assert.equal(parseSize('1.5G'), 1.5 * 1024 ** 3);
    assert.equal(parseSize('512'), 512);
    assert.equal(parseSize('12X'), undefined);
    assert.equal(formatSize(32 * 1024 ** 3), '32G');
    assert.equal(formatSize(1536 * 1024 ** 2), '1536M');
    assert.equal(formatSize(2 * 1024 ** 4), '2T');
    assert.equal(formatSize(1000), '1000');
  });

  test('NICs: model=MAC first, MAC upper case, one generated when missing', () => {
    const nic = parseNet('virtio=bc:24:11:aa:bb:cc,bridge=vmbr0,firewall=1');
    assert.deepEqual(
      [nic.model, nic.macaddr, nic.bridge],
      ['virtio', 'BC:24:11:AA:BB:CC', 'vmbr0'],
    );
    assert.equal(printNet(nic), 'virtio=BC:24:11:AA:BB:CC,bridge=vmbr0,firewall=1');
    const generated = parseNet(printNet(parseNet('model=virtio,bridge=vmbr0')));
    assert.match(generated.macaddr ?? '', /^BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}$/);
    assert.match(randomMac(), /^BC:24:11(:[0-9A-F]{2}){3}$/);
  });

  test('drives: the volume id is the bare first item or file=', () => {
    assert.equal(parseDrive('local-lvm:vm-101-disk-0,size=32G').file, 'local-lvm:vm-101-disk-0');
    assert.equal(parseDrive('media=cdrom,file=local:iso/a.iso').file, 'local:iso/a.iso');
  });

  test('the digest is the SHA-1 of the config file text and follows every change', () => {
    const config = new Map([
      ['name', 'a'],
      ['cores', '2'],
      ['description', 'two\nlines'],
    ]);
    assert.equal(configFileText(config), '#two\n#lines\ncores: 2\nname: a\n');
    const before = configDigest(config);
    assert.match(before, /^[0-9a-f]{40}$/);
    config.set('cores', '4');
    assert.notEqual(configDigest(config), before);
  });

  test('UPIDs: upper-case hex fields, trailing colon, read back', () => {
    const upid = formatUpid({
      node: 'pve1',
      pid: 0x1a2b,
      pstart: 0x3c4d5e,
      starttime: 0x65000000,
      type: 'qmclone',
      id: '9000',
      user: 'root@pam!slipway',
    });
    assert.equal(upid, 'UPID:pve1:00001A2B:003C4D5E:65000000:qmclone:9000:root@pam!slipway:');
    assert.deepEqual(parseUpid(upid)?.id, '9000');
    assert.equal(parseUpid('UPID:pve1:garbage'), undefined);
  });
});
