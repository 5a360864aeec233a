// Admission step 1: the body is one object of the kind the URL names, in the
// namespace and with the name the URL names. Fills in what the URL implies.
import {
  ApiVersion,
  badRequest,
  invalid,
  isPlainObject,
  type AnyResource,
} from '../../api/index.ts';
import type { AdmissionRequest } from './types.ts';

export function decodeObject(req: AdmissionRequest): AnyResource {
  const { kind, body } = req;
  if (body === undefined) throw badRequest('the request body is empty; expected a ' + kind.kind);
  if (!isPlainObject(body)) {
    throw badRequest(
      `the request body must be a ${kind.kind} object, not ${Array.isArray(body) ? 'a list' : typeof body}`,
    );
  }
  // As Kubernetes does for typed endpoints, omitted apiVersion and kind come from the URL.
  body['apiVersion'] ??= ApiVersion;
  body['kind'] ??= kind.kind;
  if (body['apiVersion'] !== ApiVersion) {
    throw badRequest(
      `the API version in the data (${String(body['apiVersion'])}) does not match the expected API version (${ApiVersion})`,
      [{ field: 'apiVersion', message: `must be ${ApiVersion}`, reason: 'FieldValueInvalid' }],
    );
  }
  if (body['kind'] !== kind.kind) {
    throw badRequest(
      `the kind in the data (${String(body['kind'])}) does not match the expected kind (${kind.kind})`,
      [{ field: 'kind', message: `must be ${kind.kind}`, reason: 'FieldValueInvalid' }],
    );
  }
  const metadata = body['metadata'] ?? {};
  if (!isPlainObject(metadata)) {
    throw invalid(kind.kind, '', [
      { field: 'metadata', message: 'must be an object', reason: 'FieldValueInvalid' },
    ]);
  }
  body['metadata'] = metadata;
  matchUrl(req, metadata);
  const object = body as AnyResource;
  return req.subresource === 'status' ? statusView(req, object) : withoutStatus(req, object);
}

/** The namespace and name in the body must be those of the URL; missing ones are filled in. */
function matchUrl(req: AdmissionRequest, metadata: Record<string, unknown>): void {
  if (req.namespace !== undefined) {
    metadata['namespace'] ??= req.namespace;
    if (metadata['namespace'] !== req.namespace) {
      throw badRequest(
        `the namespace of the provided object (${String(metadata['namespace'])}) does not match the namespace sent on the request (${req.namespace})`,
        [
          {
            field: 'metadata.namespace',
            message: `must be ${req.namespace}`,
            reason: 'FieldValueInvalid',
          },
        ],
      );
    }
  } else if (metadata['namespace'] !== undefined && metadata['namespace'] !== '') {
    throw invalid(req.kind.kind, typeof metadata['name'] === 'string' ? metadata['name'] : '', [
      {
        field: 'metadata.namespace',
        message: `must be empty: ${req.kind.kind} is cluster-scoped`,
        reason: 'FieldValueForbidden',
      },
    ]);
  } else {
    delete metadata['namespace'];
  }
  if (req.name !== undefined) {
    metadata['name'] ??= req.name;
    if (metadata['name'] !== req.name) {
      throw badRequest(
        `the name of the object (${String(metadata['name'])}) does not match the name on the URL (${req.name})`,
        [{ field: 'metadata.name', message: `must be ${req.name}`, reason: 'FieldValueInvalid' }],
      );
    }
  }
}

/**
 * Status in a create or a main-resource update is ignored by the store (status has its
 * own subresource), so it is dropped here rather than validated and then thrown away.
 */
function withoutStatus(req: AdmissionRequest, object: AnyResource): AnyResource {
  if (req.kind.hasStatus) delete object.status;
  return object;
}

/**
 * A status update changes only status: the object under admission is the stored one
 * with the new status, so validation and immutability see what will really be stored.
 * The body's resourceVersion is kept for the conflict check.
 */
function statusView(req: AdmissionRequest, body: AnyResource): AnyResource {
  const old = req.oldObject;
  if (old === undefined) throw new Error('status update without the stored object');
  const view: AnyResource = { ...old, metadata: { ...old.metadata } };
  const rv = body.metadata.resourceVersion;
  if (rv === undefined) delete view.metadata.resourceVersion;
  else view.metadata.resourceVersion = rv;
  if (body.status === undefined) delete view.status;
  else view.status = body.status;
  return view;
}
