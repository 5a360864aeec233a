// The optional DELETE body (Kubernetes `DeleteOptions`): preconditions, dry run and
// propagation policy. Also accepted as query parameters, as kubectl sends them.
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { badRequest } from '../api/index.ts';
import { fieldPath } from './admission/validate.ts';
import {
  parseDryRun,
  parsePropagationPolicy,
  singleQueryValue,
  type PropagationPolicy,
  type Query,
} from './query.ts';

export const DeleteOptionsSchema = Type.Object(
  {
    kind: Type.Optional(Type.Literal('DeleteOptions')),
    apiVersion: Type.Optional(Type.String()),
    preconditions: Type.Optional(
      Type.Object(
        { uid: Type.Optional(Type.String()), resourceVersion: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    propagationPolicy: Type.Optional(Type.String()),
    dryRun: Type.Optional(Type.Array(Type.String())),
    gracePeriodSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Accepted and ignored: deletion is immediate or waits on finalizers.',
      }),
    ),
  },
  { additionalProperties: false, description: 'Options for a DELETE request.' },
);
export type DeleteOptionsBody = Static<typeof DeleteOptionsSchema>;

const check = TypeCompiler.Compile(DeleteOptionsSchema);

export interface ParsedDeleteOptions {
  dryRun: boolean;
  propagationPolicy: PropagationPolicy;
  uid?: string;
  resourceVersion?: string;
}

export function parseDeleteOptions(body: unknown, query: Query): ParsedDeleteOptions {
  if (body !== undefined && !check.Check(body)) {
    const first = check.Errors(body).First();
    const field = first ? fieldPath(first.path) : '';
    throw badRequest(
      `invalid DeleteOptions${field ? ` at ${field}` : ''}: ${first?.message ?? 'not an object'}`,
      field ? [{ field, message: first?.message ?? '', reason: 'FieldValueInvalid' }] : undefined,
    );
  }
  const options: DeleteOptionsBody | undefined = body;
  const queryPolicy = singleQueryValue(query, 'propagationPolicy');
  const policy = parsePropagationPolicy(options?.propagationPolicy ?? queryPolicy) ?? 'Background';
  if (policy !== 'Background') {
    // The garbage collector deletes dependents after their owner is gone. Orphan would
    // leave them behind, Foreground keep the owner until they are gone: answering
    // either with Background behaviour would surprise, so say so.
    throw badRequest(
      `propagationPolicy ${policy} is not supported yet: dependents are deleted in the background once their owner is gone (Background)`,
      [
        {
          field: 'propagationPolicy',
          message: `Unsupported value: "${policy}": supported values: "Background"`,
          reason: 'FieldValueNotSupported',
        },
      ],
    );
  }
  const dryRun = parseDryRun(query) || parseDryRun({ dryRun: options?.dryRun });
  const parsed: ParsedDeleteOptions = { dryRun, propagationPolicy: policy };
  const uid = options?.preconditions?.uid;
  if (uid !== undefined) parsed.uid = uid;
  const resourceVersion = options?.preconditions?.resourceVersion;
  if (resourceVersion !== undefined) parsed.resourceVersion = resourceVersion;
  return parsed;
}
