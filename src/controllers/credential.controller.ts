// Credential controller: asks the credential's provider whether the secret material
// works, and asks again every few minutes (tokens expire, passwords change).
import { isDeepStrictEqual } from 'node:util';
import {
  CredentialConditions as Conditions,
  CredentialReasons as Reasons,
  type Credential,
} from '../api/kinds/credential.ts';
import type { Store } from '../store/types.ts';
import { falseCondition, setCondition, trueCondition, type ConditionInput } from './conditions.ts';
import type { Events, InfrastructureProviders } from './dependencies.ts';
import { getIfExists, parseKey } from './objects.ts';
import { loadProviderCredential } from './references.ts';
import type { ControllerOptions } from './runtime/controller.ts';
import type { ReconcileContext, ReconcileResult } from './runtime/types.ts';

export interface CredentialControllerDeps {
  store: Store;
  infrastructure: InfrastructureProviders;
  events: Events;
  /** How often a credential is checked again (ms). Default 5 minutes. */
  recheckIntervalMs?: number;
  /**
   * How soon a credential that failed is checked again (ms). Default 30 s. Secrets are
   * not watched (an informer would keep every Secret of the fleet in memory): a fixed
   * Secret is noticed on this retry.
   */
  retryIntervalMs?: number;
}

export const credentialControllerName = 'credential';

export function credentialController(deps: CredentialControllerDeps): ControllerOptions {
  const recheck = deps.recheckIntervalMs ?? 5 * 60_000;
  const retry = deps.retryIntervalMs ?? 30_000;
  async function check(credential: Credential, signal: AbortSignal): Promise<ConditionInput> {
    const provider = deps.infrastructure.get(credential.spec.provider);
    if (!provider) {
      return falseCondition(
        Conditions.Ready,
        Reasons.UnknownProvider,
        `spec.provider: infrastructure provider "${credential.spec.provider}" is not known to this server`,
      );
    }
    const loaded = await loadProviderCredential(deps.store, credential);
    if (!loaded.ok) return falseCondition(Conditions.Ready, Reasons.SecretNotFound, loaded.message);
    try {
      const result = await provider.checkCredential(loaded.credential, signal);
      return result.ok
        ? trueCondition(Conditions.Ready, result.reason || Reasons.CredentialValid, result.message)
        : falseCondition(
            Conditions.Ready,
            result.reason || Reasons.AuthenticationFailed,
            result.message,
          );
    } catch (err: unknown) {
      if (signal.aborted) throw err;
      const message = err instanceof Error ? err.message : String(err);
      return falseCondition(Conditions.Ready, Reasons.Unreachable, message);
    }
  }

  async function reconcile(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseKey(key);
    const credential = await getIfExists<Credential>(deps.store, 'Credential', namespace, name);
    if (!credential || credential.metadata.deletionTimestamp) return {};

    const verdict = await check(credential, ctx.signal);
    const generation = credential.metadata.generation;
    const status: NonNullable<Credential['status']> = {
      ...credential.status,
      ready: verdict.status === 'True',
      conditions: setCondition(credential.status?.conditions, verdict, ctx.now(), generation),
    };
    if (generation !== undefined) status.observedGeneration = generation;

    if (!isDeepStrictEqual(status, credential.status)) {
      const wasReady = credential.status?.ready;
      await deps.store.updateStatus<Credential>({ ...credential, status });
      if (wasReady !== status.ready) {
        void deps.events.record(
          credential,
          status.ready ? 'Normal' : 'Warning',
          verdict.reason,
          verdict.message ?? (status.ready ? 'Credential works' : 'Credential does not work'),
        );
      }
    }
    return { requeueAfter: status.ready ? recheck : retry };
  }

  return {
    name: credentialControllerName,
    forKind: 'Credential',
    reconcile,
  };
}
