// The controller contract (after controller-runtime's pkg/reconcile): one function per
// controller that looks at the world and takes the next step.

/** What a reconcile pass asks of the queue. */
export interface ReconcileResult {
  /** Reconcile this key again after this many milliseconds, even with no change. */
  requeueAfter?: number;
}

/** Identifies one object: `namespace/name`, or `name` for cluster-scoped kinds. */
export type ObjectKey = string;

export interface ReconcileContext {
  /** Aborted on shutdown; pass it to provider calls. */
  signal: AbortSignal;
  /** Injected clock: never read Date.now() directly, so tests control time. */
  now(): Date;
}

/**
 * `reconcile(ctx, key)`: throwing means "retry with backoff"; throwing a TerminalError
 * means "stop retrying and say why in a condition".
 */
export type Reconcile = (ctx: ReconcileContext, key: ObjectKey) => Promise<ReconcileResult>;

/** An error retrying cannot fix; the reconciler has reported it in a condition. */
export class TerminalError extends Error {
  readonly reason: string;

  constructor(reason: string, message: string) {
    super(message);
    this.name = 'TerminalError';
    this.reason = reason;
  }
}
