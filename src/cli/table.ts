// Plain-text tables in kubectl's layout: left-aligned columns, three spaces apart.

const gap = '   ';

/** Width of each column: the longest cell in it, header included. */
export function columnWidths(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): number[] {
  return header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => cellText(row[i]).length)),
  );
}

/** One line of a table; cells wider than their column push the rest right. */
export function formatRow(cells: readonly string[], widths: readonly number[]): string {
  const last = cells.length - 1;
  return cells
    .map((cell, i) => (i === last ? cellText(cell) : cellText(cell).padEnd(widths[i] ?? 0)))
    .join(gap)
    .trimEnd();
}

/** A whole table, header first, each line ending in a newline. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = columnWidths(header, rows);
  return [header, ...rows].map((row) => `${formatRow(row, widths)}\n`).join('');
}

/** Cells stay on one line: line breaks in messages become spaces. */
function cellText(cell: string | undefined): string {
  return (cell ?? '').replace(/\s*[\r\n]+\s*/g, ' ');
}
