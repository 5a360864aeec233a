// One request at a time from a form or a button: busy while it runs, the failure kept
// for display.
import { useCallback, useState } from 'react';
import { ApiError } from '../api/client.ts';

/** Any thrown value as an ApiError. */
export function asApiError(err: unknown): ApiError {
  return err instanceof ApiError
    ? err
    : new ApiError(0, err instanceof Error ? err.message : String(err));
}

export interface Action {
  busy: boolean;
  error: ApiError | undefined;
  /** Run `work`; true when it succeeded (the error is cleared first, set on failure). */
  run: (work: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
}

/** A request's busy flag and failure, for one form or button. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const run = useCallback(async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      return true;
    } catch (err: unknown) {
      setError(asApiError(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(undefined), []);
  return { busy, error, run, clear };
}
