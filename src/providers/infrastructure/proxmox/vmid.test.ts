import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pickVmid, VmidReservations } from './vmid.ts';

describe('VMID choice', () => {
  test('from nextid, skipping IDs in use, reserved by clones in flight, or refused', () => {
    const reservations = new VmidReservations();
    reservations.reserve(102);
    assert.equal(
      pickVmid({
        used: new Set([100, 101]),
        reservations,
        refused: new Set([103]),
        nextid: 100,
      }),
      104,
    );
  });

  test('within a configured range; undefined when the range is full', () => {
    const reservations = new VmidReservations();
    const used = new Set([5000, 5001]);
    assert.equal(
      pickVmid({ used, reservations, refused: new Set(), range: { from: 5000, to: 5002 } }),
      5002,
    );
    reservations.reserve(5002);
    assert.equal(
      pickVmid({ used, reservations, refused: new Set(), range: { from: 5000, to: 5002 } }),
      undefined,
    );
  });

  test('a reservation lapses after its time and can be released early', () => {
    let now = 0;
    const reservations = new VmidReservations(1_000, () => now);
    reservations.reserve(200);
    reservations.reserve(201);
    assert.equal(reservations.has(200), true);
    reservations.release(201);
    assert.equal(reservations.has(201), false);
    now = 1_001;
    assert.equal(reservations.has(200), false);
  });

  test('two machines picking at once in one process never get one ID', () => {
    const reservations = new VmidReservations();
    const chosen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const id = pickVmid({ used: new Set(), reservations, refused: new Set(), nextid: 100 });
      assert.ok(id !== undefined);
      assert.ok(!chosen.has(id), `VMID ${id} handed out twice`);
      chosen.add(id);
      reservations.reserve(id);
    }
  });
});
