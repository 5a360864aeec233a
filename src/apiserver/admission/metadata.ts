// Labels, annotations and finalizers, checked as Kubernetes checks them
// (apimachinery ValidateObjectMeta): selectors parse label keys and values, so a label
// that cannot be selected on must not be stored; annotation keys and finalizer names
// are qualified names, and annotations together stay under 256 KiB.
import { labelValueError, qualifiedNameError, type FieldCause } from '../../api/index.ts';

/** Kubernetes' TotalAnnotationSizeLimitB. */
const annotationSizeLimitBytes = 256 * 1024;

type StringMap = Readonly<Record<string, string>>;

export interface CheckedMetadata {
  labels?: StringMap | undefined;
  annotations?: StringMap | undefined;
  finalizers?: readonly string[] | undefined;
}

function invalidValue(field: string, value: string, problem: string): FieldCause {
  return {
    field,
    message: `Invalid value: ${JSON.stringify(value)}: ${problem}`,
    reason: 'FieldValueInvalid',
  };
}

export function labelErrors(labels: StringMap | undefined): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    const keyProblem = qualifiedNameError(key);
    if (keyProblem !== undefined) causes.push(invalidValue('metadata.labels', key, keyProblem));
    const valueProblem = labelValueError(value);
    if (valueProblem !== undefined) {
      causes.push(invalidValue(`metadata.labels[${JSON.stringify(key)}]`, value, valueProblem));
    }
  }
  return causes;
}

export function annotationErrors(annotations: StringMap | undefined): FieldCause[] {
  const causes: FieldCause[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    size += Buffer.byteLength(key) + Buffer.byteLength(value);
    // Kubernetes checks annotation keys case-insensitively.
    const problem = qualifiedNameError(key.toLowerCase());
    if (problem !== undefined) causes.push(invalidValue('metadata.annotations', key, problem));
  }
  if (size > annotationSizeLimitBytes) {
    causes.push({
      field: 'metadata.annotations',
      message: `Too long: must have at most ${annotationSizeLimitBytes} bytes`,
      reason: 'FieldValueTooLong',
    });
  }
  return causes;
}

export function finalizerErrors(finalizers: readonly string[] | undefined): FieldCause[] {
  const causes: FieldCause[] = [];
  (finalizers ?? []).forEach((name, i) => {
    const problem = qualifiedNameError(name);
    if (problem !== undefined)
      causes.push(invalidValue(`metadata.finalizers[${i}]`, name, problem));
  });
  return causes;
}

/** Every problem with the labels, annotations and finalizers the schema let through. */
export function metadataErrors(meta: CheckedMetadata): FieldCause[] {
  return [
    ...labelErrors(meta.labels),
    ...annotationErrors(meta.annotations),
    ...finalizerErrors(meta.finalizers),
  ];
}
