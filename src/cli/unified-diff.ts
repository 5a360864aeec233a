// Unified diffs of two texts, line by line (longest common subsequence), as `diff -u` prints.

type Op = { kind: ' ' | '-' | '+'; line: string };

export interface DiffLabels {
  oldLabel: string;
  newLabel: string;
  /** Unchanged lines shown around each change. */
  context?: number;
}

/** The unified diff from `oldText` to `newText`; empty when they are equal. */
export function unifiedDiff(oldText: string, newText: string, labels: DiffLabels): string {
  const ops = diffLines(splitLines(oldText), splitLines(newText));
  const context = labels.context ?? 3;
  const hunks: [number, number][] = [];
  ops.forEach((op, i) => {
    if (op.kind === ' ') return;
    const start = Math.max(0, i - context);
    const end = Math.min(ops.length, i + context + 1);
    const last = hunks.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else hunks.push([start, end]);
  });
  if (hunks.length === 0) return '';
  // Old and new line counts before each op, for the hunk headers.
  const oldBefore: number[] = [];
  const newBefore: number[] = [];
  let oldCount = 0;
  let newCount = 0;
  for (const op of ops) {
    oldBefore.push(oldCount);
    newBefore.push(newCount);
    if (op.kind !== '+') oldCount++;
    if (op.kind !== '-') newCount++;
  }
  const out = [`--- ${labels.oldLabel}`, `+++ ${labels.newLabel}`];
  for (const [start, end] of hunks) {
    const slice = ops.slice(start, end);
    const oldLines = slice.filter((op) => op.kind !== '+').length;
    const newLines = slice.filter((op) => op.kind !== '-').length;
    const oldStart = (oldBefore[start] ?? 0) + (oldLines > 0 ? 1 : 0);
    const newStart = (newBefore[start] ?? 0) + (newLines > 0 ? 1 : 0);
    out.push(`@@ -${oldStart},${oldLines} +${newStart},${newLines} @@`);
    for (const op of slice) out.push(`${op.kind}${op.line}`);
  }
  return `${out.join('\n')}\n`;
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** A shortest edit script from `a` to `b`, deletions before insertions within a change. */
function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  const width = b.length + 1;
  // common[i * width + j]: length of the longest common subsequence of a[i..] and b[j..].
  const common = new Uint32Array((a.length + 1) * width);
  const at = (i: number, j: number): number => common[i * width + j] ?? 0;
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i * width + j] =
        a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const left = a[i];
    const right = b[j];
    if (left !== undefined && right !== undefined && left === right) {
      ops.push({ kind: ' ', line: left });
      i++;
      j++;
    } else if (left !== undefined && (right === undefined || at(i + 1, j) >= at(i, j + 1))) {
      ops.push({ kind: '-', line: left });
      i++;
    } else {
      ops.push({ kind: '+', line: right ?? '' });
      j++;
    }
  }
  return ops;
}
