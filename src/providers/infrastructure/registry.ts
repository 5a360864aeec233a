// The infrastructure providers this server knows, by name. The composition root builds
// it; the ClusterTemplate and Credential controllers check `spec.provider` against it,
// and the Machine controller looks providers up in it.
import type { InfrastructureProvider } from './types.ts';

export interface InfrastructureRegistry {
  /** The provider of that name, or undefined. */
  get(name: string): InfrastructureProvider | undefined;
  has(name: string): boolean;
  /** Registered names, sorted (for messages such as "known: proxmox, sim"). */
  names(): string[];
}

/**
 * A registry of the given providers; throws on two providers with one name.
 *
 * @example
 *   const registry = createInfrastructureRegistry([createSimProvider(hypervisor)]);
 *   registry.get(template.spec.provider) ?? fail(`unknown provider; known: ${registry.names().join(', ')}`);
 */
export function createInfrastructureRegistry(
  providers: readonly InfrastructureProvider[],
): InfrastructureRegistry {
  const byName = new Map<string, InfrastructureProvider>();
  for (const provider of providers) {
    if (!provider.name) throw new Error('an infrastructure provider has no name');
    if (byName.has(provider.name)) {
      throw new Error(`two infrastructure providers are named "${provider.name}"`);
    }
    byName.set(provider.name, provider);
  }
  const names = [...byName.keys()].sort();
  return {
    get: (name) => byName.get(name),
    has: (name) => byName.has(name),
    names: () => [...names],
  };
}
