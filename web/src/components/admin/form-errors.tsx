// The notice above a form after the server refused it: its message, and the causes that
// name no field of the form (those naming a field are shown beside it).
import type { ApiError, FieldProblem } from '../../api/client.ts';
import { Notice } from '../notice.tsx';

export function FormErrors(props: {
  error: ApiError | undefined;
  other: FieldProblem[];
  title: string;
}) {
  if (!props.error) return null;
  return (
    <Notice kind="error">
      <strong>{props.title}:</strong> {props.error.message}
      {props.other.length > 0 && (
        <ul>
          {props.other.map((c) => (
            <li key={`${c.field}:${c.message}`}>
              {c.field && <code>{c.field}</code>} {c.message}
            </li>
          ))}
        </ul>
      )}
    </Notice>
  );
}
