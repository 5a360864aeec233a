// Directory records (ECMA-119 §9.1) and the directory extents that hold them.
import {
  sectorSize,
  writeBothEndian16,
  writeBothEndian32,
  writeRecordDate,
} from './iso9660-fields.ts';

/** Where something lies in the image: first sector and length in bytes. */
export interface Extent {
  sector: number;
  size: number;
}

/** A record before layout: its target is resolved when the record is encoded. */
export interface PendingRecord {
  identifier: Buffer;
  systemUse: Buffer;
  flags: number;
  /** Where the record points: the directory itself, or a file's data. */
  target: () => Extent;
}

export function sectorsFor(bytes: number): number {
  return Math.ceil(bytes / sectorSize);
}

export function recordLength(record: Pick<PendingRecord, 'identifier' | 'systemUse'>): number {
  const padded = 33 + record.identifier.length + (record.identifier.length % 2 === 0 ? 1 : 0);
  return padded + record.systemUse.length + (record.systemUse.length % 2);
}

export function encodeRecord(record: PendingRecord, date: Date): Buffer {
  const out = Buffer.alloc(recordLength(record));
  const { sector, size } = record.target();
  out[0] = out.length;
  writeBothEndian32(out, 2, sector);
  writeBothEndian32(out, 10, size);
  writeRecordDate(out, 18, date);
  out[25] = record.flags;
  writeBothEndian16(out, 28, 1); // volume sequence number
  out[32] = record.identifier.length;
  record.identifier.copy(out, 33);
  const systemUseAt = 33 + record.identifier.length + (record.identifier.length % 2 === 0 ? 1 : 0);
  record.systemUse.copy(out, systemUseAt);
  return out;
}

/** Records never cross a sector boundary (§6.8.1.1): the rest of a sector stays zero. */
export function directorySize(records: PendingRecord[]): number {
  let used = 0;
  for (const record of records) {
    const length = recordLength(record);
    if ((used % sectorSize) + length > sectorSize) used = Math.ceil(used / sectorSize) * sectorSize;
    used += length;
  }
  return sectorsFor(used) * sectorSize;
}

export function encodeDirectory(records: PendingRecord[], size: number, date: Date): Buffer {
  const out = Buffer.alloc(size);
  let at = 0;
  for (const record of records) {
    const bytes = encodeRecord(record, date);
    if ((at % sectorSize) + bytes.length > sectorSize) at = Math.ceil(at / sectorSize) * sectorSize;
    bytes.copy(out, at);
    at += bytes.length;
  }
  return out;
}
