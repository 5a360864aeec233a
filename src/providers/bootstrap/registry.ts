// Bootstrap providers by distribution name (ClusterTemplate.spec.distribution.name).
import { createK3sBootstrapProvider } from './k3s/provider.ts';
import type { BootstrapProvider } from './types.ts';

/** Builds the registry; the composition root may pass providers built with its own clock. */
export function createBootstrapRegistry(
  providers: readonly BootstrapProvider[] = [createK3sBootstrapProvider()],
): ReadonlyMap<string, BootstrapProvider> {
  const registry = new Map<string, BootstrapProvider>();
  for (const provider of providers) {
    if (registry.has(provider.distribution)) {
      throw new Error(`two bootstrap providers for distribution ${provider.distribution}`);
    }
    registry.set(provider.distribution, provider);
  }
  return registry;
}

/** Every bootstrap provider Slipway ships, by distribution name. Stateless, so shared. */
export const bootstrapProviders: ReadonlyMap<string, BootstrapProvider> = createBootstrapRegistry();

/** The provider for a distribution, or undefined when Slipway has none (k0s, for now). */
export function getBootstrapProvider(name: string): BootstrapProvider | undefined {
  return bootstrapProviders.get(name);
}
