// Where a JSON text first goes wrong. V8's JSON.parse names a position for some errors
// but not for "Unexpected token", so on failure we re-scan to point at the line and
// column. Only runs for bodies that already failed to parse.

const whitespace = new Set([0x20, 0x09, 0x0a, 0x0d]);

class Scanner {
  pos = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  /** Offset of the first error, or undefined when the text is valid JSON. */
  firstError(): number | undefined {
    if (!this.value()) return this.pos;
    this.skipWhitespace();
    return this.pos < this.text.length ? this.pos : undefined;
  }

  /** Step over a closing bracket; always succeeds. */
  private advance(): true {
    this.pos++;
    return true;
  }

  private skipWhitespace(): void {
    while (this.pos < this.text.length && whitespace.has(this.text.charCodeAt(this.pos)))
      this.pos++;
  }

  private value(): boolean {
    this.skipWhitespace();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return true;
      }
    }
    return false;
  }

  private object(): boolean {
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') return this.advance();
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"' || !this.string()) return false;
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') return false;
      this.pos++;
      if (!this.value()) return false;
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === '}') return this.advance();
      if (c !== ',') return false;
      this.pos++;
    }
  }

  private array(): boolean {
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') return this.advance();
    for (;;) {
      if (!this.value()) return false;
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ']') return this.advance();
      if (c !== ',') return false;
      this.pos++;
    }
  }

  private string(): boolean {
    // JSON strings may not hold raw control characters, so the pattern has to name them.
    // eslint-disable-next-line no-control-regex
    const match = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
    match.lastIndex = this.pos;
    if (!match.test(this.text)) return false;
    this.pos = match.lastIndex;
    return true;
  }

  private number(): boolean {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.pos;
    if (!match.test(this.text)) return false;
    this.pos = match.lastIndex;
    return true;
  }
}

/** Offset of the first syntax error in `text`, or undefined when it is valid JSON. */
export function jsonErrorOffset(text: string): number | undefined {
  return new Scanner(text).firstError();
}
