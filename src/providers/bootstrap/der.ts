// The few DER encodings an X.509 certificate needs (ITU-T X.690), for certificates.ts,
// and just enough DER reading to copy a CA's subject into the certificates it signs.
// Written by hand because @peculiar/x509's generator costs about 3 ms of CPU per
// certificate (ASN.1 schema serialisation, then a full re-parse): six certificates per
// cluster would be a large share of the 1,000-cluster benchmark's budget. Every
// certificate made with this is read back by Node, @peculiar/x509 and (in the
// kubeconfig test) Go's crypto/x509 through kubectl.

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A tag-length-value with the given tag byte. */
export function tlv(tag: number, ...content: readonly Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

export const sequence = (...items: readonly Buffer[]): Buffer => tlv(0x30, ...items);
export const set = (...items: readonly Buffer[]): Buffer => tlv(0x31, ...items);
/** `[n] EXPLICIT`: a constructed context-specific wrapper. */
export const explicit = (n: number, ...items: readonly Buffer[]): Buffer => tlv(0xa0 | n, ...items);
export const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes);
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
export const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0]));

/** A non-negative INTEGER from big-endian bytes, minimally encoded. */
export function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const needsPad = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return tlv(0x02, needsPad ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export const smallInteger = (n: number): Buffer => unsignedInteger(Buffer.from([n]));

/** BIT STRING with no unused bits (signatures, keys). */
export const bitString = (bytes: Buffer): Buffer => tlv(0x03, Buffer.from([0]), bytes);

/** BIT STRING of named bits (bit 0 first), trailing zero bits dropped as DER requires. */
export function namedBits(bits: readonly number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  const unused = 7 - (highest & 7);
  return tlv(0x03, Buffer.from([unused]), bytes);
}

export function objectIdentifier(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      chunk.unshift(0x80 | (value & 0x7f));
    }
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, whole seconds, UTC. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-03-01T12:00:00.000Z
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii'))
    : tlv(0x18, Buffer.from(digits, 'ascii'));
}

/** The 16 bytes of an IPv6 address (`isIP(address) === 6`), embedded IPv4 included. */
export function ipv6Bytes(address: string): Buffer {
  // `::ffff:10.0.0.1` → `::ffff:a00:1`: the dotted tail is the last two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const text = dotted
    ? `${address.slice(0, dotted.index)}${((Number(dotted[1]) << 8) | Number(dotted[2])).toString(16)}:${((Number(dotted[3]) << 8) | Number(dotted[4])).toString(16)}`
    : address;
  const [head = '', tail] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = [
    ...groups(head),
    ...Array<string>(tail === undefined ? 0 : missing).fill('0'),
    ...groups(tail),
  ];
  const bytes = Buffer.alloc(16);
  all.forEach((group, index) => bytes.writeUInt16BE(parseInt(group, 16), index * 2));
  return bytes;
}

/** The complete TLVs inside a constructed DER value. */
export function derChildren(value: Buffer): Buffer[] {
  const headerLength = (at: number) => {
    const first = value[at + 1] ?? 0;
    return first < 0x80 ? 2 : 2 + (first & 0x7f);
  };
  const contentLength = (at: number) => {
    const first = value[at + 1] ?? 0;
    if (first < 0x80) return first;
    let n = 0;
    for (let i = 0; i < (first & 0x7f); i++) n = n * 256 + (value[at + 2 + i] ?? 0);
    return n;
  };
  const result: Buffer[] = [];
  let at = headerLength(0);
  while (at < value.length) {
    const end = at + headerLength(at) + contentLength(at);
    result.push(value.subarray(at, end));
    at = end;
  }
  return result;
}
