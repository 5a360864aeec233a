import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUpid, parseUpid } from './upid.ts';

describe('parseUpid', () => {
  it('reads the example from the reference note', () => {
    assert.deepEqual(
      parseUpid('UPID:pve1:00001234:0000ABCD:65F0A1B2:qmclone:100:root@pam!slipway:'),
      {
        node: 'pve1',
        pid: 0x1234,
        pstart: 0xabcd,
        starttime: 0x65f0a1b2,
        type: 'qmclone',
        id: '100',
        user: 'root@pam!slipway',
      },
    );
  });

  it('accepts an empty id, a 9-digit pstart and node names with dashes', () => {
    const upid = parseUpid('UPID:pve-node-2:0002A1F3:1A2B3C4D5:6601E7F0:vncproxy::slipway@pve:');
    assert.equal(upid.node, 'pve-node-2');
    assert.equal(upid.pstart, 0x1a2b3c4d5);
    assert.equal(upid.id, '');
    assert.equal(upid.user, 'slipway@pve');
  });

  it('rejects what is not a UPID, quoting it', () => {
    for (const bad of [
      '',
      'UPID:pve1:00001234:0000ABCD:65F0A1B2:qmclone:100:root@pam', // no trailing colon
      'UPID:pve1:1234:0000ABCD:65F0A1B2:qmclone:100:root@pam:', // short pid
      'UPID:-pve:00001234:0000ABCD:65F0A1B2:qmclone:100:root@pam:',
      'upid:pve1:00001234:0000ABCD:65F0A1B2:qmclone:100:root@pam:',
    ]) {
      assert.throws(
        () => parseUpid(bad),
        { name: 'TypeError', message: /not a Proxmox task ID/ },
        bad,
      );
      assert.equal(isUpid(bad), false);
    }
  });

  it('isUpid tells a task answer from other data', () => {
    assert.equal(isUpid('UPID:pve1:00001234:0000ABCD:65F0A1B2:imgcopy::root@pam:'), true);
    assert.equal(isUpid(null), false);
    assert.equal(isUpid({ data: 'x' }), false);
  });
});
