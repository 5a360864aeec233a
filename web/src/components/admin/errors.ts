// Where a server error goes in a form: the causes naming a field beside that field, the
// rest in the notice above the form. A failure that names no field at all (a Forbidden
// from admission, say) goes beside the form's main field, since that is what was refused.
import type { ApiError, FieldProblem } from '../../api/client.ts';

export interface PlacedErrors {
  /** Messages per form field (keys are the field paths the form declared). */
  byField: Record<string, string[]>;
  /** Causes naming no declared field. */
  other: FieldProblem[];
}

function belongsTo(causeField: string, field: string): boolean {
  return (
    causeField === field || causeField.startsWith(`${field}.`) || causeField.startsWith(`${field}[`)
  );
}

/**
 * Sort `error`'s causes onto `fields` (a cause for `spec.quota.vcpu` belongs to the field
 * `spec.quota.vcpu` or, failing that, `spec.quota`). With no causes, the whole message
 * goes to `mainField`.
 */
export function placeErrors(
  error: ApiError | undefined,
  fields: readonly string[],
  mainField: string,
): PlacedErrors {
  const byField: Record<string, string[]> = {};
  const other: FieldProblem[] = [];
  if (!error) return { byField, other };
  const add = (field: string, message: string) => (byField[field] ??= []).push(message);
  if (error.causes.length === 0) {
    add(mainField, error.message);
    return { byField, other };
  }
  // Longest declared field first, so the most precise one wins.
  const ordered = [...fields].sort((a, b) => b.length - a.length);
  for (const cause of error.causes) {
    const field = ordered.find((f) => belongsTo(cause.field, f));
    if (field === undefined) other.push(cause);
    else {
      const rest = cause.field.slice(field.length).replace(/^\./, '');
      add(field, rest === '' ? cause.message : `${rest}: ${cause.message}`);
    }
  }
  return { byField, other };
}
