// Rock Ridge (RRIP 1.10, "RRIP_1991A") on top of SUSP: the System Use entries that give
// ISO 9660 records POSIX names and modes. Writer: the few entries a flat, read-only image
// needs (SP, CE, ER, RR, NM, PX, TF). Reader: NM names, and whether SP/ER are there, since
// that decides whether Linux uses Rock Ridge or Joliet names (fs/isofs/inode.c prefers
// Rock Ridge only when an ER entry says the disc has it).
import { readBothEndian32, writeBothEndian32, writeRecordDate } from './iso9660-fields.ts';

/** Extension identifier, descriptor and source that RRIP 1.10 §5.5 asks for in ER. */
const rripIdentifier = 'RRIP_1991A';
const rripDescriptor =
  'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS';
const rripSource =
  'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN ' +
  'PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.';

/** Bits of the RR entry: which Rock Ridge entries a record carries. */
const rrFlags = { PX: 0x01, NM: 0x08, TF: 0x80 } as const;

export const posixMode = {
  /** Regular file, r--r--r--: the image is read-only and holds no secrets of the guest's users. */
  file: 0o100444,
  /** Directory, r-xr-xr-x. */
  directory: 0o040555,
} as const;

function entry(signature: string, body: Buffer): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.write(signature, 0, 'latin1');
  out[2] = out.length;
  out[3] = 1;
  body.copy(out, 4);
  return out;
}

function bothEndian32(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 8);
  values.forEach((value, i) => writeBothEndian32(out, i * 8, value));
  return out;
}

/** SP: "this disc uses SUSP", only in the root directory's `.` record; LEN_SKP 0. */
export function sharingProtocolEntry(): Buffer {
  return entry('SP', Buffer.from([0xbe, 0xef, 0]));
}

/** CE: the rest of this record's System Use entries are at (sector, offset, length). */
export function continuationEntry(sector: number, offset: number, length: number): Buffer {
  return entry('CE', bothEndian32(sector, offset, length));
}

/** ER: names the extension (Rock Ridge 1.10) the disc uses. */
export function extensionReferenceEntry(): Buffer {
  const header = Buffer.from([
    rripIdentifier.length,
    rripDescriptor.length,
    rripSource.length,
    1, // extension version
  ]);
  return entry(
    'ER',
    Buffer.concat([header, Buffer.from(rripIdentifier + rripDescriptor + rripSource, 'latin1')]),
  );
}

/** The Rock Ridge entries of one record: RR, then NM (if named), PX and TF. */
export function rockRidgeEntries(input: {
  name?: string;
  mode: number;
  links: number;
  date: Date;
}): Buffer {
  const parts: Buffer[] = [];
  const flags = rrFlags.PX | rrFlags.TF | (input.name === undefined ? 0 : rrFlags.NM);
  parts.push(entry('RR', Buffer.from([flags])));
  if (input.name !== undefined) {
    parts.push(entry('NM', Buffer.concat([Buffer.from([0]), Buffer.from(input.name, 'utf8')])));
  }
  // PX in its RRIP 1.10 form: mode, links, uid, gid (1.12 adds a serial number).
  parts.push(entry('PX', bothEndian32(input.mode, input.links, 0, 0)));
  // TF: modification, access and attribute-change times, 7-byte form each.
  const times = Buffer.alloc(1 + 3 * 7);
  times[0] = 0x02 | 0x04 | 0x08;
  for (let i = 0; i < 3; i++) writeRecordDate(times, 1 + i * 7, input.date);
  parts.push(entry('TF', times));
  return Buffer.concat(parts);
}

/** What the System Use area of one record says, continuation areas included. */
export interface SystemUseReading {
  /** SP found (SUSP in use) and its LEN_SKP. */
  sharingProtocol?: { skip: number };
  /** Identifiers of the ER entries (e.g. `RRIP_1991A`, `IEEE_P1282`). */
  extensions: string[];
  /** The Rock Ridge NM name, if the record has one (not for `.`/`..`). */
  name?: string;
}

/** Continuation areas followed per record at most: a loop guard against crafted images. */
const maxContinuations = 32;

/**
 * Reads the SUSP entries of one System Use area, following CE entries into `image`.
 * Unknown entries are skipped; a malformed entry ends the area (as Linux does).
 */
export function readSystemUse(image: Buffer, area: Buffer, blockSize: number): SystemUseReading {
  const reading: SystemUseReading = { extensions: [] };
  let name: string | undefined;
  let current: Buffer | undefined = area;
  let continuations = 0;
  while (current !== undefined) {
    let next: Buffer | undefined;
    let at = 0;
    while (at + 4 <= current.length) {
      const signature = current.toString('latin1', at, at + 2);
      const length = current[at + 2] ?? 0;
      if (length < 4 || at + length > current.length) break;
      const body = current.subarray(at + 4, at + length);
      if (signature === 'ST') break;
      if (signature === 'SP' && body.length >= 3 && body[0] === 0xbe && body[1] === 0xef) {
        reading.sharingProtocol = { skip: body[2] ?? 0 };
      } else if (signature === 'CE' && body.length >= 24) {
        const start = readBothEndian32(body, 0) * blockSize + readBothEndian32(body, 8);
        const end = start + readBothEndian32(body, 16);
        if (continuations < maxContinuations && end <= image.length) {
          next = image.subarray(start, end);
          continuations++;
        }
      } else if (signature === 'ER' && body.length >= 4) {
        const idLength = body[0] ?? 0;
        reading.extensions.push(body.toString('latin1', 4, 4 + idLength));
      } else if (signature === 'NM' && body.length >= 1) {
        const flags = body[0] ?? 0;
        // Bits 1 and 2 name `.` and `..`: no name of their own.
        if ((flags & 0x06) === 0) name = (name ?? '') + body.toString('utf8', 1);
      }
      at += length;
    }
    current = next;
  }
  if (name !== undefined) reading.name = name;
  return reading;
}
