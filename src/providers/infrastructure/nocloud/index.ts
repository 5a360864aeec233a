// NoCloud seed images for cloud-init: built in process, read back for checks and emulators.
export {
  buildNoCloudIso,
  noCloudDefaultCreatedAt,
  noCloudIsoFileName,
  NoCloudIsoError,
  NoCloudIsoReason,
  noCloudVolumeId,
  readNoCloudIso,
} from './nocloud-iso.ts';
export type { NoCloudFiles } from './nocloud-iso.ts';
export { Iso9660Error, readIso9660 } from './iso9660-reader.ts';
export type { Iso9660Contents } from './iso9660-reader.ts';
export { writeIso9660 } from './iso9660-writer.ts';
export type { IsoFile, IsoImageInput } from './iso9660-writer.ts';
