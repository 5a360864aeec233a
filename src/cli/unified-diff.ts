// Unified diffs of two texts, as `diff -u` prints them, by jsdiff (the `diff` package).
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

export interface DiffLabels {
  oldLabel: string;
  newLabel: string;
  /** Unchanged lines shown around each change. */
  context?: number;
}

/** The unified diff from `oldText` to `newText`; empty when they are equal. */
export function unifiedDiff(oldText: string, newText: string, labels: DiffLabels): string {
  if (oldText === newText) return '';
  return createTwoFilesPatch(
    labels.oldLabel,
    labels.newLabel,
    oldText,
    newText,
    undefined,
    undefined,
    {
      context: labels.context ?? 3,
      headerOptions: FILE_HEADERS_ONLY,
    },
  );
}
