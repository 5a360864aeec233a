// What the generic machinery (store, API server, CLI) needs to know about one kind.
import type { TObject } from '@sinclair/typebox';

/** A kubectl-style table column; `jsonPath` as in CRD additionalPrinterColumns. */
export interface PrinterColumn {
  name: string;
  jsonPath: string;
  type?: 'string' | 'integer' | 'boolean' | 'date';
  /** Shown only with `-o wide`. */
  wide?: boolean;
}

export interface KindDefinition {
  kind: string;
  /** Lower-case plural used in URLs, e.g. `clusterdeployments`. */
  plural: string;
  singular: string;
  shortNames: readonly string[];
  namespaced: boolean;
  schema: TObject;
  /** Which DNS-1123 form names must take: `label` when the name becomes a host or namespace name. */
  nameFormat: 'label' | 'subdomain';
  /** Whether the kind has a `status` written through the status subresource. */
  hasStatus: boolean;
  /** Spec may not change after creation (ClusterTemplate). */
  specImmutable?: boolean;
  /** Whole object encrypted at rest (Secret). */
  encryptedAtRest?: boolean;
  columns: readonly PrinterColumn[];
}

/** Columns most kinds end with. */
export const ageColumn: PrinterColumn = {
  name: 'AGE',
  jsonPath: '.metadata.creationTimestamp',
  type: 'date',
};

export const readyColumn: PrinterColumn = {
  name: 'READY',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
};
