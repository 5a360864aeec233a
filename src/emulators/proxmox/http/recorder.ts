// What the emulator saw: every request (bounded), and every violation — a request the
// official schema rejects or the emulator does not implement, and any answer of the
// emulator's own that does not match the schema's `returns` (a bug in the emulator).

export interface Violation {
  method: string;
  path: string;
  problem: string;
}

export interface RequestRecord {
  method: string;
  /** Below /api2/json, without the query string. */
  path: string;
  status: number;
  /** Unix ms. */
  at: number;
}

export class Recorder {
  readonly violations: Violation[] = [];
  readonly requests: RequestRecord[] = [];
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  violation(method: string, path: string, problem: string): void {
    this.violations.push({ method, path, problem });
  }

  request(method: string, path: string, status: number): void {
    this.requests.push({ method, path, status, at: Date.now() });
    if (this.requests.length > this.#limit) {
      this.requests.splice(0, this.requests.length - this.#limit);
    }
  }
}
