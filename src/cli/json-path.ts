// A small evaluator for the JSONPath subset kubectl uses in printer columns:
// `.a.b`, `.a[0]`, `.a[-1]`, `.a[*]`, `.a.*`, `['dotted.key']` and filters such as
// `[?(@.type=="Ready")]`, `[?(@.ready!=true)]` or `[?(@.name)]` (exists).
import { isRecord } from './objects.ts';

type Literal = string | number | boolean | null;

type Segment =
  | { type: 'field'; name: string }
  | { type: 'index'; index: number }
  | { type: 'wildcard' }
  | { type: 'filter'; path: readonly string[]; op: '==' | '!=' | 'exists'; value: Literal };

export class JsonPathError extends Error {
  constructor(expression: string, problem: string) {
    super(`invalid JSONPath "${expression}": ${problem}`);
    this.name = 'JsonPathError';
  }
}

const identifier = /^[A-Za-z0-9_$-]+/;

/** Parse an expression such as `.status.conditions[?(@.type=="Ready")].status`. */
export function parseJsonPath(expression: string): Segment[] {
  let rest = expression.trim();
  if (rest.startsWith('{') && rest.endsWith('}')) rest = rest.slice(1, -1).trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  const segments: Segment[] = [];
  while (rest.length > 0) {
    if (rest.startsWith('..'))
      throw new JsonPathError(expression, 'recursive descent is not supported');
    if (rest.startsWith('.')) {
      rest = rest.slice(1);
      if (rest.startsWith('*')) {
        segments.push({ type: 'wildcard' });
        rest = rest.slice(1);
        continue;
      }
      const name = identifier.exec(rest)?.[0];
      if (name === undefined)
        throw new JsonPathError(expression, `expected a field name at "${rest}"`);
      segments.push({ type: 'field', name });
      rest = rest.slice(name.length);
    } else if (rest.startsWith('[')) {
      const end = closingBracket(rest);
      if (end < 0) throw new JsonPathError(expression, 'unbalanced "["');
      segments.push(parseBracket(expression, rest.slice(1, end).trim()));
      rest = rest.slice(end + 1);
    } else if (segments.length === 0 && identifier.test(rest)) {
      // Tolerate a missing leading dot: `metadata.name`.
      rest = `.${rest}`;
    } else {
      throw new JsonPathError(expression, `unexpected "${rest}"`);
    }
  }
  return segments;
}

/** Index of the `]` closing the `[` at position 0, skipping quoted text. */
function closingBracket(text: string): number {
  let quote: string | undefined;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ']') {
      return i;
    }
  }
  return -1;
}

function parseBracket(expression: string, inner: string): Segment {
  if (inner === '*') return { type: 'wildcard' };
  if (/^-?\d+$/.test(inner)) return { type: 'index', index: Number(inner) };
  const quoted = /^(["'])(.*)\1$/.exec(inner);
  if (quoted) return { type: 'field', name: quoted[2] ?? '' };
  const filter = /^\?\((.*)\)$/.exec(inner);
  if (filter) return parseFilter(expression, (filter[1] ?? '').trim());
  throw new JsonPathError(expression, `unsupported subscript "[${inner}]"`);
}

function parseFilter(expression: string, body: string): Segment {
  const match = /^@((?:\.[A-Za-z0-9_$-]+)+)\s*(?:(==|!=)\s*(.+))?$/.exec(body);
  if (!match) throw new JsonPathError(expression, `unsupported filter "${body}"`);
  const path = (match[1] ?? '').split('.').slice(1);
  const op = match[2];
  if (op !== '==' && op !== '!=') return { type: 'filter', path, op: 'exists', value: null };
  return { type: 'filter', path, op, value: parseLiteral(expression, (match[3] ?? '').trim()) };
}

function parseLiteral(expression: string, text: string): Literal {
  const quoted = /^(["'])(.*)\1$/.exec(text);
  if (quoted) return quoted[2] ?? '';
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (text !== '' && Number.isFinite(Number(text))) return Number(text);
  throw new JsonPathError(expression, `unsupported value "${text}" in filter`);
}

const parsed = new Map<string, Segment[]>();

/** Every value `expression` selects in `root`; empty when nothing matches. */
export function evaluateJsonPath(root: unknown, expression: string): unknown[] {
  let segments = parsed.get(expression);
  if (!segments) {
    segments = parseJsonPath(expression);
    parsed.set(expression, segments);
  }
  let current: unknown[] = [root];
  for (const segment of segments) {
    current = current.flatMap((value) => step(value, segment));
  }
  return current;
}

function step(value: unknown, segment: Segment): unknown[] {
  switch (segment.type) {
    case 'field':
      return isRecord(value) && value[segment.name] !== undefined ? [value[segment.name]] : [];
    case 'index': {
      if (!Array.isArray(value)) return [];
      const at: unknown = value.at(segment.index);
      return at === undefined ? [] : [at];
    }
    case 'wildcard':
      if (Array.isArray(value)) return value as unknown[];
      return isRecord(value) ? Object.values(value) : [];
    case 'filter':
      if (!Array.isArray(value)) return [];
      return (value as unknown[]).filter((item) => matches(item, segment));
  }
}

function matches(item: unknown, filter: Extract<Segment, { type: 'filter' }>): boolean {
  let value: unknown = item;
  for (const name of filter.path) {
    value = isRecord(value) ? value[name] : undefined;
  }
  if (filter.op === 'exists') return value !== undefined;
  const equal = value === filter.value;
  return filter.op === '==' ? equal : !equal;
}
