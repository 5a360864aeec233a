// One form submission at a time: busy while it runs, the failure kept for display.
import { useCallback, useState } from 'react';
import type { ApiError } from '../../api/client.ts';
import { asApiError } from './errors.ts';

export interface Action {
  busy: boolean;
  error: ApiError | undefined;
  /** Run `work`; true when it succeeded (the error is cleared first, set on failure). */
  run: (work: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
}

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
