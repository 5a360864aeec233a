import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bitString,
  namedBits,
  objectIdentifier,
  sequence,
  time,
  tlv,
  unsignedInteger,
} from './der.ts';

const hex = (buffer: Buffer) => buffer.toString('hex');

test('lengths: short and long form', () => {
  assert.equal(hex(tlv(0x04, Buffer.alloc(3))), '0403000000');
  assert.equal(hex(tlv(0x04, Buffer.alloc(200))).slice(0, 6), '0481c8');
  assert.equal(hex(tlv(0x04, Buffer.alloc(300))).slice(0, 8), '0482012c');
  assert.equal(hex(sequence()), '3000');
});

test('integers are minimal and positive', () => {
  assert.equal(hex(unsignedInteger(Buffer.from([0, 0, 5]))), '020105');
  assert.equal(hex(unsignedInteger(Buffer.from([0x80]))), '02020080');
  assert.equal(hex(unsignedInteger(Buffer.from([0]))), '020100');
});

test('object identifiers, including multi-byte arcs', () => {
  assert.equal(hex(objectIdentifier('2.5.29.19')), '0603551d13');
  assert.equal(hex(objectIdentifier('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
  assert.equal(hex(objectIdentifier('1.3.6.1.5.5.7.3.2')), '06082b06010505070302');
});

test('named bit strings drop trailing zero bits (X.690 11.2.2)', () => {
  // digitalSignature (0), keyCertSign (5), cRLSign (6): 1000 0110, one unused bit.
  assert.equal(hex(namedBits([0, 5, 6])), '03020186');
  assert.equal(hex(namedBits([0])), '03020780');
  assert.equal(hex(bitString(Buffer.from([0xab]))), '030200ab');
});

test('times: UTCTime through 2049, GeneralizedTime after', () => {
  assert.equal(time(new Date('2036-03-01T12:00:00.999Z')).toString('latin1', 2), '360301120000Z');
  assert.equal(time(new Date('2036-03-01T12:00:00Z'))[0], 0x17);
  const late = time(new Date('2051-01-02T03:04:05Z'));
  assert.equal(late[0], 0x18);
  assert.equal(late.toString('latin1', 2), '20510102030405Z');
});
