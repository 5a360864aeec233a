// YAML (or JSON, which is YAML) typed into a text area, read as an object; the parse
// error says where, for the message beside the field.
import { parse } from 'yaml';

export type Structured =
  { ok: true; value: Record<string, unknown> | undefined } | { ok: false; message: string };

/** Empty text is "not given"; anything else must be a mapping. */
export function parseObject(text: string): Structured {
  if (text.trim() === '') return { ok: true, value: undefined };
  let value: unknown;
  try {
    value = parse(text, { prettyErrors: true });
  } catch (err: unknown) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, message: `not valid YAML or JSON: ${message ?? ''}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'must be a mapping (an object), e.g. "type: object"' };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
