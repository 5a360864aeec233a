// The fixed-width fields of ECMA-119 (ISO 9660), shared by the writer and the reader.
// Numbers are stored "both-endian" (little-endian copy, then big-endian copy) wherever the
// standard says so (§7.2.3, §7.3.3), so readers on either kind of machine need no swap.

/** ECMA-119 logical sector (and logical block) size. */
export const sectorSize = 2048;
/** Sectors 0–15 are the System Area; volume descriptors start at sector 16. */
export const firstDescriptorSector = 16;
export const standardIdentifier = 'CD001';

export const descriptorType = {
  primary: 1,
  supplementary: 2,
  terminator: 255,
} as const;

/** Directory record flag bits (§9.1.6). */
export const fileFlags = {
  directory: 0x02,
  /** More records of the same file follow (files of 4 GiB and more). */
  multiExtent: 0x80,
} as const;

/** Joliet's escape sequences (UCS-2 levels 1–3) in a supplementary volume descriptor. */
export const jolietEscapes = ['%/@', '%/C', '%/E'] as const;

export function writeBothEndian16(target: Buffer, offset: number, value: number): void {
  target.writeUInt16LE(value, offset);
  target.writeUInt16BE(value, offset + 2);
}

export function writeBothEndian32(target: Buffer, offset: number, value: number): void {
  target.writeUInt32LE(value, offset);
  target.writeUInt32BE(value, offset + 4);
}

/** A both-endian 32-bit field read from its little-endian half (what Linux does too). */
export function readBothEndian32(source: Buffer, offset: number): number {
  return source.readUInt32LE(offset);
}

/** An a-/d-character field: ASCII, padded with spaces to its width. */
export function writePaddedAscii(
  target: Buffer,
  offset: number,
  width: number,
  text: string,
): void {
  target.fill(0x20, offset, offset + width);
  target.write(text.slice(0, width), offset, 'latin1');
}

/** A Joliet identifier field: UCS-2 big-endian, padded with U+0020 to its width in bytes. */
export function writePaddedUcs2(target: Buffer, offset: number, width: number, text: string): void {
  for (let at = 0; at + 1 < width; at += 2) target.writeUInt16BE(0x20, offset + at);
  encodeUcs2BE(text.slice(0, Math.floor(width / 2))).copy(target, offset);
}

export function encodeUcs2BE(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

export function decodeUcs2BE(bytes: Buffer): string {
  let text = '';
  for (let at = 0; at + 1 < bytes.length; at += 2) {
    text += String.fromCharCode(bytes.readUInt16BE(at));
  }
  return text;
}

function digits(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/**
 * A volume descriptor date (§8.4.26.1): 16 ASCII digits `YYYYMMDDHHMMSScc` and an offset
 * from GMT in 15-minute steps. Always written in UTC, so the bytes do not depend on the
 * machine's time zone.
 */
export function writeVolumeDate(target: Buffer, offset: number, date: Date | undefined): void {
  if (date === undefined) {
    // "Not specified": sixteen '0' digits and a zero offset.
    target.write('0'.repeat(16), offset, 'latin1');
    target[offset + 16] = 0;
    return;
  }
  const text =
    digits(date.getUTCFullYear(), 4) +
    digits(date.getUTCMonth() + 1, 2) +
    digits(date.getUTCDate(), 2) +
    digits(date.getUTCHours(), 2) +
    digits(date.getUTCMinutes(), 2) +
    digits(date.getUTCSeconds(), 2) +
    digits(Math.floor(date.getUTCMilliseconds() / 10), 2);
  target.write(text, offset, 'latin1');
  target[offset + 16] = 0;
}

/** A directory record date (§9.1.5): seven bytes, years since 1900, in UTC. */
export function writeRecordDate(target: Buffer, offset: number, date: Date): void {
  target[offset] = date.getUTCFullYear() - 1900;
  target[offset + 1] = date.getUTCMonth() + 1;
  target[offset + 2] = date.getUTCDate();
  target[offset + 3] = date.getUTCHours();
  target[offset + 4] = date.getUTCMinutes();
  target[offset + 5] = date.getUTCSeconds();
  target[offset + 6] = 0;
}

/** Directory record dates can hold the years 1900–2155 only. */
export function assertRecordDate(date: Date, what: string): void {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1900 || year > 2155) {
    throw new RangeError(`${what} must be a valid date between 1900 and 2155`);
  }
}
