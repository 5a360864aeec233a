// Secret values typed into a form, write-only: key/value rows whose values are masked and
// never filled from the server (nothing reads a Secret back).
import type { SecretRow } from '../../components/admin/values.ts';
import { FieldError } from '../../components/notice.tsx';

/** Key/value rows of secret values: masked, never filled from the server. */
export function SecretRows(props: {
  idPrefix: string;
  rows: SecretRow[];
  onRows: (rows: SecretRow[]) => void;
  errors: string[] | undefined;
}) {
  const { rows, onRows } = props;
  const set = (i: number, change: Partial<SecretRow>) =>
    onRows(rows.map((row, j) => (j === i ? { ...row, ...change } : row)));
  return (
    <fieldset className="group" aria-describedby={`${props.idPrefix}-help`}>
      <legend>Secret values (write-only)</legend>
      <p className="help" id={`${props.idPrefix}-help`}>
        Sent once to the server and kept encrypted; never shown again, not even here. Multi-line
        values (SSH keys) may be pasted.
      </p>
      {rows.map((row, i) => (
        <div className="secret-row" key={i}>
          <div className="field">
            <label htmlFor={`${props.idPrefix}-key-${i}`}>Key</label>
            <input
              id={`${props.idPrefix}-key-${i}`}
              value={row.key}
              autoComplete="off"
              onChange={(e) => set(i, { key: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${props.idPrefix}-value-${i}`}>Value</label>
            <textarea
              id={`${props.idPrefix}-value-${i}`}
              className="secret-value"
              rows={1}
              autoComplete="off"
              spellCheck={false}
              value={row.value}
              onChange={(e) => set(i, { value: e.target.value })}
            />
          </div>
          <button
            type="button"
            className="secondary small"
            aria-label={`Remove secret value ${row.key || i + 1}`}
            onClick={() => onRows(rows.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        className="secondary small"
        onClick={() => onRows([...rows, { key: '', value: '' }])}
      >
        Add a value
      </button>
      <FieldError id={`${props.idPrefix}-error`} messages={props.errors ?? []} />
    </fieldset>
  );
}
