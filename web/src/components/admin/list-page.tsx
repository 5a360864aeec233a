// A page that lists one kind of thing and can open a form to create another: the title,
// a "New …" button while the form is closed, the form, then the list.
import { useState, type ReactNode } from 'react';

/**
 * `form` renders the create form; it gets `done`, which closes it (Cancel, or created).
 * The button shows only when `canCreate` and no form is open.
 */
export function CreatableListPage(props: {
  titleId: string;
  title: string;
  newLabel: string;
  canCreate: boolean;
  form: (done: () => void) => ReactNode;
  children: ReactNode;
}) {
  const [creating, setCreating] = useState(false);
  return (
    <section aria-labelledby={props.titleId} className="stack">
      <div className="page-header">
        <h1 id={props.titleId}>{props.title}</h1>
        {props.canCreate && !creating && (
          <button type="button" onClick={() => setCreating(true)}>
            {props.newLabel}
          </button>
        )}
      </div>
      {creating && props.form(() => setCreating(false))}
      <div>{props.children}</div>
    </section>
  );
}
