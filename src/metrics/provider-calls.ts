// Timing of provider calls (Proxmox, OpenStack, SSH, sim; bootstrap renderers).
import { secondsSince, type Metrics } from './registry.ts';

/**
 * Run `fn` and record its latency in slipway_provider_call_duration_seconds, labelled
 * with the result; the outcome (value or error) passes through unchanged.
 *
 * @example
 * const vm = await timeProviderCall(metrics, 'proxmox', 'reconcileMachine', () =>
 *   provider.reconcileMachine(ctx, machine),
 * );
 */
export async function timeProviderCall<T>(
  metrics: Metrics | undefined,
  provider: string,
  operation: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (!metrics) return fn();
  const start = process.hrtime.bigint();
  try {
    const value = await fn();
    metrics.providerCallDuration.observe(
      { provider, operation, result: 'success' },
      secondsSince(start),
    );
    return value;
  } catch (err: unknown) {
    metrics.providerCallDuration.observe(
      { provider, operation, result: 'error' },
      secondsSince(start),
    );
    throw err;
  }
}
