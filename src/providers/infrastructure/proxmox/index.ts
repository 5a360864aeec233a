// The Proxmox VE infrastructure provider: what the composition root and docs import.
export {
  createProxmoxProvider,
  type ProxmoxProvider,
  type ProxmoxProviderOptions,
} from './provider.ts';
export { ProxmoxCredentialConfig, readProxmoxCredential } from './credential.ts';
export { ProxmoxProviderError, ProxmoxReasons } from './errors.ts';
export {
  ProxmoxMachineSettings,
  readProxmoxSettings,
  validateProxmoxSettings,
  type ResolvedMachineSettings,
} from './settings.ts';
