// The infrastructure conformance suite against the Proxmox VE API emulator, which rejects
// any request the official API schema would reject (checked after every test).
import { startProxmoxEmulator } from '../../../emulators/proxmox/index.ts';
import { runInfrastructureConformance } from '../conformance.ts';
import type { ProviderCredential } from '../types.ts';
import { createProxmoxProvider, type ProxmoxProvider } from './provider.ts';

runInfrastructureConformance({
  maxPolls: 400,
  newProvider: async () => {
    const emulator = await startProxmoxEmulator({
      timing: { cloneMs: 100, taskMs: 20, bootMs: 100, agentMs: 100, lockWaitMs: 2_000 },
      guestAddresses: { dhcpRange: '127.0.20.10-127.0.20.250' },
    });
    const credential: ProviderCredential = {
      ref: 'conformance/pve',
      config: {
        url: emulator.url,
        tokenId: emulator.token.tokenId,
        fingerprint: emulator.fingerprint,
      },
      secret: { tokenSecret: emulator.token.secret },
    };
    const providers: ProxmoxProvider[] = [];
    const newProvider = () => {
      const provider = createProxmoxProvider({ taskPollMs: 25 });
      providers.push(provider);
      return provider;
    };
    return {
      provider: newProvider(),
      credential,
      rejectedCredential: { ...credential, secret: { tokenSecret: 'not-the-secret' } },
      settings: { template: { name: 'ubuntu-2404-k3s' }, memoryMiB: 1024, stopGraceSec: 0 },
      tick: () => new Promise((resolve) => setTimeout(resolve, 25)),
      countMachines: () => Promise.resolve(emulator.vms().filter((vm) => !vm.template).length),
      injectFault: () => {
        emulator.faults.taskFailureRate = 1;
        return Promise.resolve();
      },
      restart: () => Promise.resolve(newProvider()),
      async cleanup() {
        for (const provider of providers) await provider.close();
        try {
          emulator.assertNoViolations();
        } finally {
          await emulator.stop();
        }
      },
    };
  },
});
