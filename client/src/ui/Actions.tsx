import type { ReactNode } from 'react';
import type { CombinedError } from 'urql';
import type { Action } from './useAction.js';

/** A row's buttons, and below them the server's refusal, announced to screen readers. */
export function Actions({ action, children }: { action: Action; children: ReactNode }) {
  return (
    <>
      <div className="buttons">{children}</div>
      {action.error ? (
        <p className="action-error" role="alert">
          {action.error}
        </p>
      ) : null}
    </>
  );
}

/** A small button for one action of a row; disabled while any action of the row runs. */
export function ActionButton(props: {
  readonly label: string;
  /** Shown while it runs, e.g. "Approving…". */
  readonly busyLabel: string;
  readonly action: Action;
  readonly variant?: 'primary' | 'danger' | 'default';
  readonly run: () => Promise<{ error?: CombinedError | undefined }>;
}) {
  const { action, label } = props;
  return (
    <button
      type="button"
      className={`button small ${props.variant ?? 'default'}`}
      disabled={action.running !== null}
      onClick={() => void action.perform(label, props.run)}
    >
      {action.running === label ? props.busyLabel : label}
    </button>
  );
}
