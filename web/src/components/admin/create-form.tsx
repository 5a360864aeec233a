// The frame of a form that creates (or adds) one thing: a heading that names the form,
// the server's refusal above the fields, the fields in a grid, then Cancel (when the
// form can be closed) and the submit button, disabled while the request runs.
import type { FormEvent, ReactNode } from 'react';
import type { FieldProblem } from '../../api/client.ts';
import type { Action } from '../action.ts';
import { FormErrors } from './form-errors.tsx';

/**
 * `titleId` labels the form (`aria-labelledby`). `other` are the refusal's causes that
 * name no field here (from `placeErrors`). The submit button reads `busyLabel` while
 * `action` runs, when given, and is disabled then or when `ready` is false.
 */
export function CreateForm(props: {
  titleId: string;
  title: string;
  /** The heading's level: `h2` for a page's panel, `h3` inside a section. */
  heading?: 'h2' | 'h3';
  className?: string;
  action: Action;
  other: FieldProblem[];
  errorTitle: string;
  onSubmit: (event: FormEvent) => Promise<void>;
  onCancel?: () => void;
  submitLabel: string;
  busyLabel?: string;
  ready?: boolean;
  children: ReactNode;
}) {
  const { action } = props;
  const Heading = props.heading ?? 'h2';
  return (
    <form
      className={props.className}
      aria-labelledby={props.titleId}
      onSubmit={(e) => void props.onSubmit(e)}
      noValidate
    >
      <Heading id={props.titleId}>{props.title}</Heading>
      <FormErrors error={action.error} other={props.other} title={props.errorTitle} />
      <div className="form-grid">{props.children}</div>
      <div className="actions">
        {props.onCancel && (
          <button type="button" className="secondary" onClick={props.onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" disabled={action.busy || props.ready === false}>
          {action.busy && props.busyLabel !== undefined ? props.busyLabel : props.submitLabel}
        </button>
      </div>
    </form>
  );
}
