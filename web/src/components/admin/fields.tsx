// Form fields for the admin and account pages: a label, the control, help text and the
// errors that concern it, wired together for screen readers (aria-invalid,
// aria-describedby). The same markup as the cluster forms (`.field`, `.help`).
import type { InputHTMLAttributes, ReactNode, TextareaHTMLAttributes } from 'react';
import { FieldError } from '../notice.tsx';

interface FieldFrame {
  id: string;
  label: ReactNode;
  help?: ReactNode;
  errors?: string[] | undefined;
}

/** `aria-*` of a control whose help and errors have ids derived from `id`. */
export function describedBy(id: string, errors: string[] | undefined, hasHelp: boolean) {
  const invalid = (errors?.length ?? 0) > 0;
  const ids = [hasHelp ? `${id}-help` : '', invalid ? `${id}-error` : ''].filter(Boolean);
  return {
    'aria-invalid': invalid ? (true as const) : undefined,
    'aria-describedby': ids.length > 0 ? ids.join(' ') : undefined,
  };
}

function Frame(props: FieldFrame & { children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      {props.help !== undefined && (
        <p className="help" id={`${props.id}-help`}>
          {props.help}
        </p>
      )}
      <FieldError id={`${props.id}-error`} messages={props.errors ?? []} />
    </div>
  );
}

type InputProps = FieldFrame &
  Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'onChange' | 'value'> & {
    value: string;
    onValue: (value: string) => void;
  };

/** A labelled `<input>`. */
export function TextField({ id, label, help, errors, value, onValue, ...rest }: InputProps) {
  return (
    <Frame id={id} label={label} help={help} errors={errors}>
      <input
        id={id}
        value={value}
        onChange={(e) => onValue(e.target.value)}
        {...describedBy(id, errors, help !== undefined)}
        {...rest}
      />
    </Frame>
  );
}

type AreaProps = FieldFrame &
  Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id' | 'onChange' | 'value'> & {
    value: string;
    onValue: (value: string) => void;
  };

/** A labelled `<textarea>` (monospace: for YAML and JSON). */
export function TextAreaField({ id, label, help, errors, value, onValue, ...rest }: AreaProps) {
  return (
    <Frame id={id} label={label} help={help} errors={errors}>
      <textarea
        id={id}
        spellCheck={false}
        value={value}
        onChange={(e) => onValue(e.target.value)}
        {...describedBy(id, errors, help !== undefined)}
        {...rest}
      />
    </Frame>
  );
}

/** A labelled `<select>` over `options` (value and label). */
export function SelectField(
  props: FieldFrame & {
    value: string;
    onValue: (value: string) => void;
    options: readonly { value: string; label: string }[];
    required?: boolean;
  },
) {
  const { id, label, help, errors, value, onValue, options, required } = props;
  return (
    <Frame id={id} label={label} help={help} errors={errors}>
      <select
        id={id}
        value={value}
        required={required}
        onChange={(e) => onValue(e.target.value)}
        {...describedBy(id, errors, help !== undefined)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Frame>
  );
}

/** Comma- or newline-separated names as a list (blanks dropped). */
export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
