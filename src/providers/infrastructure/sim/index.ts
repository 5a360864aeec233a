// The `sim` infrastructure provider: what the composition root, the demo and the
// benchmarks use. The simulated child clusters' API is in child-api/.
export { createSimProvider } from './provider.ts';
export { openSimHypervisor, SimHypervisor } from './hypervisor.ts';
export type { SimHypervisorOptions, SimVMSpec } from './hypervisor.ts';
export type { SimVM, SimVMFilter, SimVMIdentity, SimVMPower } from './vm-store.ts';
export { ManualClock, systemClock } from './clock.ts';
export type { SimClock, TimerCallback } from './clock.ts';
export { latencyProfiles, resolveLatencyProfile, stageDelay } from './latency.ts';
export type { LatencyProfile, LatencyProfileName, SimStage } from './latency.ts';
export { SimErrorReasons, SimProviderError } from './faults.ts';
export type { SimFaults } from './faults.ts';
export { SimMachineReasons } from './observation.ts';
export { SimBootReasons } from './node-boot.ts';
export {
  serverUrlOf,
  simClusterDomain,
  simClusterId,
  simClusterIdFromServerUrl,
  simEndpointFor,
  simTlsServerName,
} from './endpoint.ts';
export { parseSimProviderID, simAddressFor, simProviderID } from './addresses.ts';
export { k3sCAHash, parseK3sToken, secureK3sToken } from './k3s-token.ts';
