// PVE::JSONSchema looks at values the way Perl sees decoded JSON or form data: undef, a plain
// scalar (string or number, interchangeable), or a reference (ARRAY, HASH, JSON boolean).

/** What Perl's `ref()` would say about a decoded JSON value; undefined for undef and scalars. */
export function perlRef(value: unknown): 'ARRAY' | 'HASH' | 'JSON::PP::Boolean' | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return 'ARRAY';
  if (typeof value === 'boolean') return 'JSON::PP::Boolean';
  if (typeof value === 'object') return 'HASH';
  return undefined;
}

/** Perl's undef: JSON null, or absent. */
export function isUndef(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** A scalar as Perl would interpolate it into a string. */
export function perlString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  return '';
}

/** Perl truthiness of a scalar: everything but undef, "" and "0". */
export function perlTrue(value: unknown): boolean {
  if (isUndef(value)) return false;
  const text = perlString(value);
  return text !== '' && text !== '0';
}

/** PVE::JSONSchema::is_number (see `man perlretut`). */
export function isPerlNumber(text: string): boolean {
  return /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/.test(text);
}

/** PVE::JSONSchema::is_integer. */
export function isPerlInteger(text: string): boolean {
  return /^[+-]?\d+$/.test(text);
}

/** PVE::JSONSchema::parse_boolean: 1/on/yes/true and 0/off/no/false, any case. */
export function parsePerlBoolean(text: string): 1 | 0 | undefined {
  if (/^(1|on|yes|true)$/i.test(text)) return 1;
  if (/^(0|off|no|false)$/i.test(text)) return 0;
  return undefined;
}

/** PVE::Tools::split_list: NUL-separated if it contains NUL, else by comma, semicolon, space. */
export function splitList(text: string): string[] {
  if (text.includes('\0')) return perlSplit(text, /\0/);
  return perlSplit(text.replace(/[,;]/g, ' ').replace(/^\s+/, ''), /\s+/);
}

/** Perl's `split(/re/, $text)`: like String#split, but trailing empty fields are dropped. */
export function perlSplit(text: string, separator: RegExp): string[] {
  const parts = text.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}
