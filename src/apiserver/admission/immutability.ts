// Admission step 5: fields that may not change after creation. A ClusterTemplate is a
// versioned recipe that running clusters point at, so its spec never changes (publish
// a new template instead); a Secret marked immutable keeps its data; uid is fixed.
import { isDeepStrictEqual } from 'node:util';
import { conflict, invalid, type FieldCause } from '../../api/index.ts';
import type { AdmissionContext } from './types.ts';

export function checkImmutableFields(ctx: AdmissionContext): void {
  const { kind, oldObject: old, operation } = ctx.request;
  if (operation !== 'update' || old === undefined) return;
  const obj = ctx.object;
  if (obj.metadata.uid !== undefined && obj.metadata.uid !== old.metadata.uid) {
    throw conflict(
      kind.kind,
      old.metadata.name,
      `the object has uid ${old.metadata.uid}, not ${obj.metadata.uid}`,
    );
  }
  const causes: FieldCause[] = [];
  if (kind.specImmutable && !isDeepStrictEqual(obj.spec, old.spec)) {
    causes.push({
      field: 'spec',
      message: `field is immutable: ${kind.kind} spec cannot change after creation; create a new ${kind.kind} instead`,
      reason: 'FieldValueForbidden',
    });
  }
  if (kind.kind === 'Secret') causes.push(...secretImmutability(ctx));
  if (causes.length > 0) throw invalid(kind.kind, old.metadata.name, causes);
}

function secretImmutability(ctx: AdmissionContext): FieldCause[] {
  const old = ctx.request.oldObject;
  const obj = ctx.object;
  if (old === undefined) return [];
  const causes: FieldCause[] = [];
  if (obj['type'] !== old['type']) {
    causes.push({ field: 'type', message: 'field is immutable', reason: 'FieldValueForbidden' });
  }
  if (old['immutable'] === true) {
    if (obj['immutable'] !== true) {
      causes.push({
        field: 'immutable',
        message: 'field is immutable when `immutable` is set',
        reason: 'FieldValueForbidden',
      });
    }
    if (!isDeepStrictEqual(obj['data'], old['data'])) {
      causes.push({
        field: 'data',
        message: 'field is immutable when `immutable` is set',
        reason: 'FieldValueForbidden',
      });
    }
  }
  return causes;
}
