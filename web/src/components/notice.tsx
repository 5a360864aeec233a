// Messages in a page: loading, empty, errors. Errors are announced to screen readers.
import type { ReactNode } from 'react';
import type { ApiError } from '../api/client.ts';

export function Notice(props: { kind?: 'info' | 'error' | 'empty'; children: ReactNode }) {
  const kind = props.kind ?? 'info';
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

export function Loading(props: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {props.what}…
    </p>
  );
}

/** An API failure: its message, and the fields it names when the page did not place them. */
export function ErrorNotice(props: { error: ApiError | undefined; title?: string }) {
  if (!props.error) return null;
  const { message, causes } = props.error;
  return (
    <Notice kind="error">
      {props.title && <strong>{props.title}: </strong>}
      {message}
      {causes.length > 0 && (
        <ul>
          {causes.map((cause) => (
            <li key={`${cause.field}:${cause.message}`}>
              {cause.field && <code>{cause.field}</code>} {cause.message}
            </li>
          ))}
        </ul>
      )}
    </Notice>
  );
}

/** The message beside a form field the server (or the form) found wrong. */
export function FieldError(props: { id: string; messages: string[] }) {
  if (props.messages.length === 0) return null;
  return (
    <p className="field-error" id={props.id} role="alert">
      {props.messages.join('; ')}
    </p>
  );
}
