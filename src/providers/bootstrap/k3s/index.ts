// The K3s bootstrap provider's public surface.
export { createK3sBootstrapProvider, k3sDistribution } from './provider.ts';
export type { K3sBootstrapProviderOptions } from './provider.ts';
export {
  K3sBootstrapValues,
  K3sSettings,
  AirGap,
  ExtraFile,
  GuestNetwork,
  validateK3sValues,
  readK3sValues,
} from './values.ts';
export { hashK3sCA, parseK3sToken, formatK3sToken, generateK3sToken } from './token.ts';
export type { K3sToken } from './token.ts';
export { readK3sUserData, UserDataReadError } from './read-user-data.ts';
export type { K3sUserDataReading, WrittenFile } from './read-user-data.ts';
export { K3sPKIFiles, k3sTLSDir, k3sServerTLSFiles } from './pki.ts';
export { k3sServerMustMatchKeys } from './k3s-config.ts';
export { bootstrapSuccessFile } from './user-data.ts';
