// Deleting something that cannot come back: a danger button opens a modal <dialog>
// (focus stays inside, Esc cancels) where the user types the thing's name; only then is
// Delete enabled. The typed text is cleared when the dialog closes or the name changes.
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { ApiError } from '../api/client.ts';
import { ErrorNotice } from './notice.tsx';

/**
 * The button and its confirmation dialog. `onConfirm` runs once the typed name matches;
 * it gets `close` to shut the dialog when the deletion went through. `children` say what
 * is lost. Delete is also disabled while `busy`.
 */
export function ConfirmByName(props: {
  name: string;
  openLabel: string;
  titleId: string;
  title: ReactNode;
  inputId: string;
  inputLabel: string;
  error: ApiError | undefined;
  busy?: boolean;
  onConfirm: (close: () => void) => Promise<void>;
  children: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const { name } = props;
  useEffect(() => setTyped(''), [name]);
  const close = () => dialog.current?.close();
  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    if (typed !== name) return;
    await props.onConfirm(close);
  };
  return (
    <>
      <button type="button" className="danger" onClick={() => dialog.current?.showModal()}>
        {props.openLabel}
      </button>
      <dialog ref={dialog} aria-labelledby={props.titleId} onClose={() => setTyped('')}>
        <form onSubmit={(e) => void confirm(e)}>
          <h2 id={props.titleId}>{props.title}</h2>
          {props.children}
          <label htmlFor={props.inputId}>{props.inputLabel}</label>
          <input
            id={props.inputId}
            autoComplete="off"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
          <ErrorNotice error={props.error} />
          <div className="actions">
            <button type="button" className="secondary" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="danger" disabled={typed !== name || props.busy}>
              Delete
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
