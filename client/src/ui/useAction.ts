import { useCallback, useState } from 'react';
import type { CombinedError } from 'urql';
import { describeError } from '../feed/source.js';

/** A row's actions: which one is running, and the server's refusal if it refused. */
export interface Action {
  /** The label of the action under way, or null. */
  readonly running: string | null;
  readonly error: string | null;
  /** Runs a mutation; its error, if any, is kept to be shown where the action was. */
  perform(label: string, run: () => Promise<{ error?: CombinedError | undefined }>): Promise<void>;
}

/** State for the actions of one row. */
export function useAction(): Action {
  const [running, setRunning] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const perform = useCallback(
    async (label: string, run: () => Promise<{ error?: CombinedError | undefined }>) => {
      setRunning(label);
      setError(null);
      try {
        const result = await run();
        if (result.error) setError(describeError(result.error));
      } finally {
        setRunning(null);
      }
    },
    [],
  );
  return { running, error, perform };
}
