import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { machineMacAddress } from './mac-address.ts';

test('one locally administered unicast MAC per Machine uid, always the same', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const uid = randomUUID();
    const mac = machineMacAddress(uid);
    assert.match(mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    const first = parseInt(mac.slice(0, 2), 16);
    assert.equal(first & 0x02, 0x02, `${mac}: locally administered`);
    assert.equal(first & 0x01, 0, `${mac}: unicast`);
    assert.equal(machineMacAddress(uid), mac);
    seen.add(mac);
  }
  assert.equal(seen.size, 2000);
  assert.throws(() => machineMacAddress(''));
});
