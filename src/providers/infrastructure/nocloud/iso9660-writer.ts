// A minimal ISO 9660 (ECMA-119) writer with Joliet and Rock Ridge, for small flat images
// such as cloud-init's NoCloud `cidata` disc.
//
// Hand-written because no npm package was found that writes ISO 9660 with Joliet or Rock
// Ridge in pure JS: the names one would look for (`iso9660`, `iso-9660`, `mkisofs`,
// `isoimage`, `iso-image`) are not on the registry, and the disk-image packages there are
// other formats (DMG, raw disks). Shelling out to genisoimage would make the server need a
// Debian package; the format needed here is small: files in the root directory only.
//
// Layout (2048-byte sectors), fixed so the same input always gives the same bytes:
//   0–15  System Area (zeros)        19/20  L/M path tables, primary
//   16    Primary Volume Descriptor  21/22  L/M path tables, Joliet
//   17    Joliet Supplementary VD    23     Rock Ridge continuation area (ER entry)
//   18    Volume Descriptor Set Terminator
//   then the primary root directory (8.3 names + Rock Ridge), the Joliet root directory,
//   and each file's data. Both directory trees point at the same file data.
// No trailing padding: genisoimage's default 300 KiB pad works around read-ahead past the
// last track of physical CDs; a virtual CD-ROM serves every sector of the file.
import {
  directorySize,
  encodeDirectory,
  encodeRecord,
  sectorsFor,
  type Extent,
  type PendingRecord,
} from './iso9660-directory.ts';
import {
  assertRecordDate,
  descriptorType,
  encodeUcs2BE,
  fileFlags,
  firstDescriptorSector,
  sectorSize,
  standardIdentifier,
  writeBothEndian16,
  writeBothEndian32,
  writePaddedAscii,
  writePaddedUcs2,
  writeVolumeDate,
} from './iso9660-fields.ts';
import { levelOneNames } from './iso9660-names.ts';
import {
  continuationEntry,
  extensionReferenceEntry,
  posixMode,
  rockRidgeEntries,
  sharingProtocolEntry,
} from './rock-ridge.ts';

export interface IsoFile {
  /** The name readers show (Rock Ridge and Joliet), e.g. `user-data`. */
  name: string;
  data: Buffer;
}

export interface IsoImageInput {
  /** Up to 32 characters; written as given (cloud-init looks for `cidata`). */
  volumeId: string;
  files: IsoFile[];
  /** Every timestamp in the image. */
  createdAt: Date;
}

const sectors = {
  primaryDescriptor: firstDescriptorSector,
  jolietDescriptor: firstDescriptorSector + 1,
  terminator: firstDescriptorSector + 2,
  primaryPathTableL: firstDescriptorSector + 3,
  primaryPathTableM: firstDescriptorSector + 4,
  jolietPathTableL: firstDescriptorSector + 5,
  jolietPathTableM: firstDescriptorSector + 6,
  continuationArea: firstDescriptorSector + 7,
  firstDirectory: firstDescriptorSector + 8,
} as const;

/** A root directory's path table: one 10-byte record, the root itself (§9.4). */
const pathTableSize = 10;

function pathTable(rootSector: number, bigEndian: boolean): Buffer {
  const out = Buffer.alloc(pathTableSize);
  out[0] = 1; // identifier length
  if (bigEndian) {
    out.writeUInt32BE(rootSector, 2);
    out.writeUInt16BE(1, 6);
  } else {
    out.writeUInt32LE(rootSector, 2);
    out.writeUInt16LE(1, 6);
  }
  return out; // identifier 0x00 and the pad byte are already zero
}

function validate(input: IsoImageInput): void {
  assertRecordDate(input.createdAt, 'createdAt');
  if (!/^[\x20-\x7e]{1,32}$/.test(input.volumeId)) {
    throw new RangeError('volumeId must be 1–32 printable ASCII characters');
  }
  const seen = new Set<string>();
  for (const file of input.files) {
    // Portable names keep every record within 255 bytes and every reader happy.
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,59}$/.test(file.name)) {
      throw new RangeError(
        `files: name ${JSON.stringify(file.name)} must be 1–60 characters of A–Z, a–z, 0–9, ".", "_", "-"`,
      );
    }
    if (seen.has(file.name)) throw new RangeError(`files: name ${file.name} appears twice`);
    seen.add(file.name);
    if (file.data.length > 0xffffffff) {
      throw new RangeError(`files: ${file.name} is larger than one ISO 9660 extent (4 GiB - 1)`);
    }
  }
}

function compareBytes(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}

/**
 * An ISO 9660 image of `input.files` in its root directory, with Joliet and Rock Ridge
 * names. The same input gives the same bytes.
 *
 * @example
 * const image = writeIso9660({
 *   volumeId: 'cidata',
 *   files: [{ name: 'meta-data', data: Buffer.from('instance-id: a\n') }],
 *   createdAt: new Date(0),
 * });
 */
export function writeIso9660(input: IsoImageInput): Buffer {
  validate(input);
  const date = input.createdAt;
  const shortNames = levelOneNames(input.files.map((file) => file.name));
  const extents = new Map<IsoFile, Extent>();
  const extentOf = (file: IsoFile) => () => extents.get(file) ?? { sector: 0, size: 0 };

  const er = extensionReferenceEntry();
  let primaryRoot: Extent = { sector: 0, size: 0 };
  let jolietRoot: Extent = { sector: 0, size: 0 };
  const self = (root: () => Extent, systemUse: Buffer, identifier: number): PendingRecord => ({
    identifier: Buffer.from([identifier]),
    systemUse,
    flags: fileFlags.directory,
    target: root,
  });
  const dirEntries = rockRidgeEntries({ mode: posixMode.directory, links: 2, date });

  const primaryRecords: PendingRecord[] = [
    self(
      () => primaryRoot,
      Buffer.concat([
        sharingProtocolEntry(),
        dirEntries,
        continuationEntry(sectors.continuationArea, 0, er.length),
      ]),
      0,
    ),
    self(() => primaryRoot, dirEntries, 1),
    ...input.files
      .map((file, i) => ({
        identifier: Buffer.from(shortNames[i] ?? '', 'latin1'),
        systemUse: rockRidgeEntries({ name: file.name, mode: posixMode.file, links: 1, date }),
        flags: 0,
        target: extentOf(file),
      }))
      .sort((a, b) => compareBytes(a.identifier, b.identifier)),
  ];
  const jolietRecords: PendingRecord[] = [
    self(() => jolietRoot, Buffer.alloc(0), 0),
    self(() => jolietRoot, Buffer.alloc(0), 1),
    ...input.files
      .map((file) => ({
        identifier: encodeUcs2BE(file.name), // no ";1", as genisoimage writes Joliet names
        systemUse: Buffer.alloc(0),
        flags: 0,
        target: extentOf(file),
      }))
      .sort((a, b) => compareBytes(a.identifier, b.identifier)),
  ];

  primaryRoot = { sector: sectors.firstDirectory, size: directorySize(primaryRecords) };
  jolietRoot = {
    sector: primaryRoot.sector + primaryRoot.size / sectorSize,
    size: directorySize(jolietRecords),
  };
  let next = jolietRoot.sector + jolietRoot.size / sectorSize;
  for (const file of input.files) {
    if (file.data.length === 0) continue;
    extents.set(file, { sector: next, size: file.data.length });
    next += sectorsFor(file.data.length);
  }
  const totalSectors = next;
  // An empty file has no data; it still points inside the image, as xorriso's do.
  for (const file of input.files) {
    if (file.data.length === 0) extents.set(file, { sector: totalSectors - 1, size: 0 });
  }

  const image = Buffer.alloc(totalSectors * sectorSize);
  const at = (sector: number) => sector * sectorSize;
  writeDescriptor(image, at(sectors.primaryDescriptor), {
    joliet: false,
    volumeId: input.volumeId,
    totalSectors,
    root: primaryRoot,
    pathTables: [sectors.primaryPathTableL, sectors.primaryPathTableM],
    date,
  });
  writeDescriptor(image, at(sectors.jolietDescriptor), {
    joliet: true,
    volumeId: input.volumeId,
    totalSectors,
    root: jolietRoot,
    pathTables: [sectors.jolietPathTableL, sectors.jolietPathTableM],
    date,
  });
  image[at(sectors.terminator)] = descriptorType.terminator;
  image.write(standardIdentifier, at(sectors.terminator) + 1, 'latin1');
  image[at(sectors.terminator) + 6] = 1;
  pathTable(primaryRoot.sector, false).copy(image, at(sectors.primaryPathTableL));
  pathTable(primaryRoot.sector, true).copy(image, at(sectors.primaryPathTableM));
  pathTable(jolietRoot.sector, false).copy(image, at(sectors.jolietPathTableL));
  pathTable(jolietRoot.sector, true).copy(image, at(sectors.jolietPathTableM));
  er.copy(image, at(sectors.continuationArea));
  encodeDirectory(primaryRecords, primaryRoot.size, date).copy(image, at(primaryRoot.sector));
  encodeDirectory(jolietRecords, jolietRoot.size, date).copy(image, at(jolietRoot.sector));
  for (const file of input.files) {
    file.data.copy(image, at(extents.get(file)?.sector ?? 0));
  }
  return image;
}

interface DescriptorInput {
  joliet: boolean;
  volumeId: string;
  totalSectors: number;
  root: Extent;
  pathTables: [l: number, m: number];
  date: Date;
}

/** A Primary (§8.4) or Joliet Supplementary (§8.5) Volume Descriptor. */
function writeDescriptor(image: Buffer, offset: number, d: DescriptorInput): void {
  const vd = image.subarray(offset, offset + sectorSize);
  const text = d.joliet ? writePaddedUcs2 : writePaddedAscii;
  vd[0] = d.joliet ? descriptorType.supplementary : descriptorType.primary;
  vd.write(standardIdentifier, 1, 'latin1');
  vd[6] = 1; // descriptor version
  text(vd, 8, 32, ''); // system identifier
  text(vd, 40, 32, d.volumeId);
  writeBothEndian32(vd, 80, d.totalSectors);
  if (d.joliet) vd.write('%/E', 88, 'latin1'); // UCS-2 level 3
  writeBothEndian16(vd, 120, 1); // volume set size
  writeBothEndian16(vd, 124, 1); // volume sequence number
  writeBothEndian16(vd, 128, sectorSize);
  writeBothEndian32(vd, 132, pathTableSize);
  vd.writeUInt32LE(d.pathTables[0], 140);
  vd.writeUInt32BE(d.pathTables[1], 148);
  const root = encodeRecord(
    {
      identifier: Buffer.from([0]),
      systemUse: Buffer.alloc(0),
      flags: fileFlags.directory,
      target: () => d.root,
    },
    d.date,
  );
  root.copy(vd, 156);
  text(vd, 190, 128, ''); // volume set
  text(vd, 318, 128, ''); // publisher
  text(vd, 446, 128, ''); // data preparer
  text(vd, 574, 128, 'SLIPWAY'); // application
  text(vd, 702, 37, ''); // copyright file
  text(vd, 739, 37, ''); // abstract file
  text(vd, 776, 37, ''); // bibliographic file
  writeVolumeDate(vd, 813, d.date); // creation
  writeVolumeDate(vd, 830, d.date); // modification
  writeVolumeDate(vd, 847, undefined); // expiration
  writeVolumeDate(vd, 864, d.date); // effective
  vd[881] = 1; // file structure version
}
