// Every API method the emulator implements, keyed `METHOD /path/{template}` as the schema
// names them. A request for any other method the schema knows is answered 501 and
// recorded as a violation, so a test notices a client using something not emulated.
import type { Handler } from './core.ts';
import { clusterRoutes } from './handlers/cluster.ts';
import { qemuAgentRoutes } from './handlers/qemu-agent.ts';
import { qemuCloneRoutes } from './handlers/qemu-clone.ts';
import { qemuConfigRoutes } from './handlers/qemu-config.ts';
import { qemuPowerRoutes } from './handlers/qemu-power.ts';
import { qemuReadRoutes } from './handlers/qemu-read.ts';
import { storageRoutes } from './handlers/storage.ts';
import { taskRoutes } from './handlers/tasks.ts';

export function emulatorRoutes(): Map<string, Handler> {
  return new Map([
    ...clusterRoutes,
    ...storageRoutes,
    ...taskRoutes,
    ...qemuReadRoutes,
    ...qemuConfigRoutes,
    ...qemuPowerRoutes,
    ...qemuCloneRoutes,
    ...qemuAgentRoutes,
  ]);
}
