// The shell every list table shares: a scrolling wrapper (cards below 760 px for
// `cards`), an optional caption for screen readers, one header cell a column.
import type { ReactNode } from 'react';

/**
 * A table of rows given as children. `columns` are the header labels; a `false` entry
 * (from `admin && 'Actions'`) is left out, so optional columns read naturally.
 */
export function DataTable(props: {
  className?: string;
  testId?: string;
  caption?: ReactNode;
  columns: readonly (string | false)[];
  children: ReactNode;
}) {
  return (
    <div className="table-scroll">
      <table className={props.className ?? 'cards'} data-testid={props.testId}>
        {props.caption !== undefined && (
          <caption className="visually-hidden">{props.caption}</caption>
        )}
        <thead>
          <tr>
            {props.columns.map(
              (label) =>
                label !== false && (
                  <th key={label} scope="col">
                    {label}
                  </th>
                ),
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
