// @peculiar/x509 for reading certificates back (tests, diagnostics); Slipway's own
// certificates are written by certificates.ts.
import type * as X509Module from '@peculiar/x509';

type X509 = typeof X509Module;
let x509Module: Promise<X509> | undefined;

/**
 * @peculiar/x509 needs the Reflect metadata polyfill in place before it loads, so it is
 * loaded on first use, after the polyfill (as src/apiserver/tls.ts does).
 */
export function loadX509(): Promise<X509> {
  x509Module ??= import('reflect-metadata').then(() => import('@peculiar/x509'));
  return x509Module;
}
