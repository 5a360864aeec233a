// cloud-init's NoCloud seed as a CD-ROM image: an ISO 9660 volume labelled `cidata` with
// `user-data` and `meta-data` (and optionally `network-config`, `vendor-data`) in its
// root. cloud-init finds it with `blkid -t LABEL=cidata` (or CIDATA) and TYPE=iso9660 or
// vfat, mounts it and reads those four names (DataSourceNoCloud._get_data). The image is
// what `genisoimage -V cidata -J -R` (Proxmox, cloud-localds) writes, built in process.
import { readIso9660, Iso9660Error } from './iso9660-reader.ts';
import { writeIso9660, type IsoFile } from './iso9660-writer.ts';

export interface NoCloudFiles {
  userData: string;
  metaData: string;
  networkConfig?: string;
  vendorData?: string;
}

/** The volume label cloud-init looks for (it accepts it in upper case too). */
export const noCloudVolumeId = 'cidata';

/**
 * The timestamp of images built without `createdAt`: fixed, so the same files always give
 * the same bytes and an upload of an unchanged image changes nothing.
 */
export const noCloudDefaultCreatedAt = new Date(0);

/** Why an image is not a NoCloud seed cloud-init would use. */
export const NoCloudIsoReason = {
  /** Not an ISO 9660 image, or a damaged one. */
  NotIso9660: 'NotIso9660',
  /** The volume label is not `cidata` or `CIDATA`, so cloud-init would not look at it. */
  WrongLabel: 'WrongLabel',
  /** No `user-data` in the root directory. */
  MissingUserData: 'MissingUserData',
  /** No `meta-data` in the root directory. */
  MissingMetaData: 'MissingMetaData',
} as const;
export type NoCloudIsoReason = (typeof NoCloudIsoReason)[keyof typeof NoCloudIsoReason];

export class NoCloudIsoError extends Error {
  readonly reason: NoCloudIsoReason;
  constructor(reason: NoCloudIsoReason, message: string) {
    super(message);
    this.name = 'NoCloudIsoError';
    this.reason = reason;
  }
}

/** File names in the image, as cloud-init's NoCloud source opens them. */
const fileNames = {
  userData: 'user-data',
  metaData: 'meta-data',
  networkConfig: 'network-config',
  vendorData: 'vendor-data',
} as const satisfies Record<keyof NoCloudFiles, string>;

/**
 * The `cidata` ISO for these files (ISO 9660 + Joliet + Rock Ridge), deterministic: the
 * same files and `createdAt` (default {@link noCloudDefaultCreatedAt}) give the same bytes.
 *
 * @example
 * const iso = buildNoCloudIso({
 *   userData: '#cloud-config\nhostname: node-1\n',
 *   metaData: 'instance-id: default.node-1\nlocal-hostname: node-1\n',
 * });
 */
export function buildNoCloudIso(files: NoCloudFiles, options: { createdAt?: Date } = {}): Buffer {
  const entries: IsoFile[] = [];
  for (const key of Object.keys(fileNames) as (keyof NoCloudFiles)[]) {
    const content: unknown = files[key];
    if (content === undefined && (key === 'networkConfig' || key === 'vendorData')) continue;
    if (typeof content !== 'string') throw new TypeError(`${key} must be a string`);
    entries.push({ name: fileNames[key], data: Buffer.from(content, 'utf8') });
  }
  const createdAt = options.createdAt ?? noCloudDefaultCreatedAt;
  return writeIso9660({ volumeId: noCloudVolumeId, files: entries, createdAt });
}

/**
 * What cloud-init's NoCloud source would read from this image. Throws
 * {@link NoCloudIsoError} naming what is wrong: not ISO 9660, a label other than
 * `cidata`/`CIDATA`, or no `user-data` or `meta-data`.
 *
 * @example
 * const { userData, metaData } = readNoCloudIso(uploadedBytes);
 */
export function readNoCloudIso(image: Buffer): NoCloudFiles {
  let contents;
  try {
    contents = readIso9660(image);
  } catch (err: unknown) {
    if (!(err instanceof Iso9660Error)) throw err;
    throw new NoCloudIsoError(NoCloudIsoReason.NotIso9660, `not a NoCloud ISO: ${err.message}`);
  }
  const { volumeId, files } = contents;
  if (volumeId !== 'cidata' && volumeId !== 'CIDATA') {
    throw new NoCloudIsoError(
      NoCloudIsoReason.WrongLabel,
      `not a NoCloud ISO: volume label is ${JSON.stringify(volumeId)}, cloud-init looks for "cidata" or "CIDATA"`,
    );
  }
  const text = (name: string) => files.get(name)?.toString('utf8');
  const present = [...files.keys()].sort().join(', ') || 'none';
  const userData = text(fileNames.userData);
  if (userData === undefined) {
    throw new NoCloudIsoError(
      NoCloudIsoReason.MissingUserData,
      `not a NoCloud ISO: no user-data in the root directory (files: ${present})`,
    );
  }
  const metaData = text(fileNames.metaData);
  if (metaData === undefined) {
    throw new NoCloudIsoError(
      NoCloudIsoReason.MissingMetaData,
      `not a NoCloud ISO: no meta-data in the root directory (files: ${present})`,
    );
  }
  const result: NoCloudFiles = { userData, metaData };
  const networkConfig = text(fileNames.networkConfig);
  if (networkConfig !== undefined) result.networkConfig = networkConfig;
  const vendorData = text(fileNames.vendorData);
  if (vendorData !== undefined) result.vendorData = vendorData;
  return result;
}

/** Longest name this gives: well under the 255 bytes of a file name on Proxmox storage. */
const maxFileNameLength = 200;

/**
 * A stable ISO file name for a machine, `slipway-<name>-<uid>.iso`: characters outside
 * `[A-Za-z0-9_.-]` become `_` (Proxmox's upload rule), and a long machine name is cut so
 * the name stays under {@link maxFileNameLength} characters (the uid keeps it unique).
 *
 * @example
 * noCloudIsoFileName('web-0', '1b4e28ba-2fa1-11d2-883f-0016d3cca427');
 * // 'slipway-web-0-1b4e28ba-2fa1-11d2-883f-0016d3cca427.iso'
 */
export function noCloudIsoFileName(machineName: string, machineUID: string): string {
  if (machineName === '') throw new RangeError('machineName must not be empty');
  if (machineUID === '') throw new RangeError('machineUID must not be empty');
  const safe = (text: string) => text.replace(/[^A-Za-z0-9_.-]/g, '_');
  const uid = safe(machineUID).slice(0, 64);
  const room = maxFileNameLength - 'slipway-'.length - '-'.length - uid.length - '.iso'.length;
  return `slipway-${safe(machineName).slice(0, room)}-${uid}.iso`;
}
