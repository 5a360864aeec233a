// The Proxmox VE API emulator (test double: nothing in the product imports it).
export { startProxmoxEmulator } from './emulator.ts';
export type {
  EmulatedIso,
  EmulatedVm,
  ProxmoxEmulator,
  ProxmoxEmulatorOptions,
  ProxmoxFaults,
  RequestRecord,
  Violation,
} from './emulator.ts';
