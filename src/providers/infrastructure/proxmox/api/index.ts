// The Proxmox VE API client: what the Proxmox provider imports.
export { ProxmoxClient, type CallOptions, type ProxmoxClientOptions } from './client.ts';
export {
  normalizeFingerprint,
  ProxmoxConfigError,
  resolveConnection,
  type ProxmoxAuth,
  type ProxmoxConnection,
  type ProxmoxTLS,
} from './connection.ts';
export {
  classifyProxmoxResponse,
  classifyProxmoxText,
  isRetryable,
  ProxmoxApiError,
  ProxmoxTaskError,
  type GuestAgentState,
  type ProxmoxErrorClass,
  type ProxmoxErrorKind,
} from './errors.ts';
export { encodeForm, type ProxmoxParams, type UploadFile } from './form.ts';
export { apiPath } from './path.ts';
export { encodeSshKeys } from './sshkeys.ts';
export type { ProxmoxTaskResult, ProxmoxTaskStatus, WaitForTaskOptions } from './tasks.ts';
export type { HttpMethod, ProxmoxEnvelope } from './transport.ts';
export { isUpid, parseUpid, type Upid } from './upid.ts';
