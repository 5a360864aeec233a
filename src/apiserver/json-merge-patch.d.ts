// json-merge-patch ships no types; only what Slipway uses is declared.
declare module 'json-merge-patch' {
  /** RFC 7386: apply `patch` to `target` (mutating it) and return the result. */
  export function apply(target: unknown, patch: unknown): unknown;
}
