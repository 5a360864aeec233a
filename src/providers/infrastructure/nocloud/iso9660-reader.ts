// Reads the root directory of an ISO 9660 image, choosing names the way Linux does
// (fs/isofs): Rock Ridge when the disc declares it with an ER entry, else Joliet, else
// Rock Ridge NM names without ER, else the 8.3 names mapped to lowercase. Every offset
// read from the image is bounds-checked, so a damaged or hostile image gives an
// Iso9660Error, never a crash or a huge allocation.
import {
  decodeUcs2BE,
  descriptorType,
  fileFlags,
  firstDescriptorSector,
  jolietEscapes,
  readBothEndian32,
  sectorSize,
  standardIdentifier,
} from './iso9660-fields.ts';
import { linuxNameOf } from './iso9660-names.ts';
import { readSystemUse } from './rock-ridge.ts';

/** The image is not ISO 9660, or is damaged. */
export class Iso9660Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Iso9660Error';
  }
}

export interface Iso9660Contents {
  /** The primary volume identifier, trailing spaces removed. */
  volumeId: string;
  /** Regular files of the root directory by name. */
  files: Map<string, Buffer>;
}

/** Volume descriptors looked at before giving up on finding the terminator. */
const maxDescriptors = 64;

interface Descriptor {
  type: number;
  bytes: Buffer;
}

interface DirectoryRecord {
  identifier: Buffer;
  flags: number;
  extent: { start: number; size: number };
  systemUse: Buffer;
}

function volumeDescriptors(image: Buffer): Descriptor[] {
  const found: Descriptor[] = [];
  for (let i = 0; i < maxDescriptors; i++) {
    const offset = (firstDescriptorSector + i) * sectorSize;
    if (offset + sectorSize > image.length) break;
    const bytes = image.subarray(offset, offset + sectorSize);
    if (bytes.toString('latin1', 1, 6) !== standardIdentifier) break;
    const type = bytes[0] ?? 0;
    if (type === descriptorType.terminator) break;
    found.push({ type, bytes });
  }
  return found;
}

function parseRecord(bytes: Buffer, blockSize: number): DirectoryRecord {
  const identifierLength = bytes[32] ?? 0;
  if (bytes.length < 33 + identifierLength) {
    throw new Iso9660Error('a directory record is shorter than its file identifier');
  }
  const identifier = bytes.subarray(33, 33 + identifierLength);
  const systemUseAt = 33 + identifierLength + (identifierLength % 2 === 0 ? 1 : 0);
  return {
    identifier,
    flags: bytes[25] ?? 0,
    extent: { start: readBothEndian32(bytes, 2) * blockSize, size: readBothEndian32(bytes, 10) },
    systemUse: bytes.subarray(Math.min(systemUseAt, bytes.length)),
  };
}

function checkedSlice(image: Buffer, start: number, size: number, what: string): Buffer {
  if (start + size > image.length) {
    throw new Iso9660Error(
      `${what} lies past the end of the image (bytes ${start}–${start + size}, image ${image.length})`,
    );
  }
  return image.subarray(start, start + size);
}

/** The records of one directory; a zero length byte means "next sector" (§6.8.1.1). */
function readDirectory(image: Buffer, root: Buffer, blockSize: number): DirectoryRecord[] {
  const rootRecord = parseRecord(root, blockSize);
  const directory = checkedSlice(
    image,
    rootRecord.extent.start,
    rootRecord.extent.size,
    'the root directory',
  );
  const records: DirectoryRecord[] = [];
  let at = 0;
  while (at < directory.length) {
    const length = directory[at] ?? 0;
    if (length === 0) {
      at = (Math.floor(at / sectorSize) + 1) * sectorSize;
      continue;
    }
    if (length < 34 || at + length > directory.length) {
      throw new Iso9660Error(`a directory record at byte ${at} of the root directory is damaged`);
    }
    records.push(parseRecord(directory.subarray(at, at + length), blockSize));
    at += length;
  }
  return records;
}

function isSelfOrParent(record: DirectoryRecord): boolean {
  return (
    record.identifier.length === 1 && (record.identifier[0] === 0 || record.identifier[0] === 1)
  );
}

/** Regular files of a directory, their names from `nameOf`; multi-extent parts joined. */
function filesOf(
  image: Buffer,
  records: DirectoryRecord[],
  nameOf: (record: DirectoryRecord) => string,
): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let parts: Buffer[] = [];
  for (const record of records) {
    if (isSelfOrParent(record) || (record.flags & fileFlags.directory) !== 0) continue;
    const name = nameOf(record);
    parts.push(checkedSlice(image, record.extent.start, record.extent.size, `file ${name}`));
    if ((record.flags & fileFlags.multiExtent) !== 0) continue;
    if (!files.has(name)) files.set(name, Buffer.concat(parts));
    parts = [];
  }
  return files;
}

function isJoliet(descriptor: Descriptor): boolean {
  const escapes = descriptor.bytes.toString('latin1', 88, 91);
  return (
    descriptor.type === descriptorType.supplementary &&
    (jolietEscapes as readonly string[]).includes(escapes)
  );
}

/**
 * The volume identifier and root-directory files of an ISO 9660 image. Names are Rock
 * Ridge or Joliet names where the image has them (Linux's order), else 8.3 names as Linux
 * shows them (`USER_DAT.;1` → `user_dat`). Throws {@link Iso9660Error} for anything else.
 *
 * @example
 * const { volumeId, files } = readIso9660(await readFile('seed.iso'));
 * files.get('user-data')?.toString('utf8');
 */
export function readIso9660(image: Buffer): Iso9660Contents {
  const descriptors = volumeDescriptors(image);
  const primary = descriptors.find((d) => d.type === descriptorType.primary);
  if (primary === undefined) {
    throw new Iso9660Error(
      `no ISO 9660 primary volume descriptor (sector ${firstDescriptorSector} does not start with ` +
        `${descriptorType.primary} "${standardIdentifier}")`,
    );
  }
  const blockSize = primary.bytes.readUInt16LE(128);
  if (blockSize !== 512 && blockSize !== 1024 && blockSize !== 2048) {
    throw new Iso9660Error(`unsupported logical block size ${blockSize}`);
  }
  const volumeId = primary.bytes.toString('latin1', 40, 72).replace(/[ \0]+$/, '');

  const primaryRecords = readDirectory(image, primary.bytes.subarray(156, 190), blockSize);
  const rootSelf = primaryRecords[0];
  const rootSystemUse =
    rootSelf === undefined ? undefined : readSystemUse(image, rootSelf.systemUse, blockSize);
  const skip = rootSystemUse?.sharingProtocol?.skip;
  const rockRidgeName = (record: DirectoryRecord) =>
    skip === undefined
      ? undefined
      : readSystemUse(image, record.systemUse.subarray(skip), blockSize).name;
  const plainName = (record: DirectoryRecord) => linuxNameOf(record.identifier.toString('latin1'));

  const declaresRockRidge = (rootSystemUse?.extensions.length ?? 0) > 0 && skip !== undefined;
  const joliet = descriptors.find(isJoliet);
  if (!declaresRockRidge && joliet !== undefined) {
    const records = readDirectory(image, joliet.bytes.subarray(156, 190), blockSize);
    return {
      volumeId,
      files: filesOf(image, records, (record) =>
        decodeUcs2BE(record.identifier).replace(/;1$/, '').replace(/\.+$/, ''),
      ),
    };
  }
  return {
    volumeId,
    files: filesOf(image, primaryRecords, (record) => rockRidgeName(record) ?? plainName(record)),
  };
}
