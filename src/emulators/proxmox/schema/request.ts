// How pve-http-server turns a request into the one parameter map the API checks
// (PVE::APIServer::AnyEvent decode_urlencoded / extract_params, PVE::HTTPServer::rest_handler).

/**
 * PVE::APIServer::AnyEvent::decode_urlencoded: `&` or `;` separate pairs, `+` is a space, `%XX`
 * a byte, values are UTF-8. Quirks kept: a repeated key joins its values with NUL (as CGI.pm);
 * a pair is split on EVERY `=`, so an unencoded `=` inside a value cuts the value short
 * (`net0=virtio=AA:…` arrives as `net0=virtio`); a key without a value is null (undef).
 */
export function decodeUrlencoded(text: string): Record<string, string | null> {
  const decoded: Record<string, string | null> = {};
  if (text === '') return decoded;
  for (const pair of text.split(/[&;]/)) {
    const fields = pair.split('=');
    while (fields.length > 0 && fields[fields.length - 1] === '') fields.pop();
    const key = percentDecode(fields[0] ?? '');
    const raw = fields[1];
    let value: string | null = null;
    if (raw !== undefined) {
      value = percentDecode(raw);
      const previous = Object.hasOwn(decoded, key) ? decoded[key] : undefined;
      if (previous !== undefined && previous !== null) value = `${previous}\0${value}`;
    }
    Object.defineProperty(decoded, key, { value, enumerable: true, writable: true });
  }
  return decoded;
}

function percentDecode(text: string): string {
  const bytes: number[] = [];
  const plus = text.replaceAll('+', ' ');
  for (let index = 0; index < plus.length; index++) {
    const hex = /^%([0-9a-fA-F]{2})/.exec(plus.slice(index, index + 3));
    if (hex !== null) {
      bytes.push(parseInt(hex[1] ?? '0', 16));
      index += 2;
    } else {
      bytes.push(...Buffer.from(plus[index] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The parts of one request, each already decoded. */
export interface RequestParts {
  /** From PveSchema.match. */
  readonly pathParams: Readonly<Record<string, string>>;
  /** The query string, decoded (decodeUrlencoded). */
  readonly query?: Readonly<Record<string, unknown>>;
  /** The form body (decodeUrlencoded), the JSON body object, or multipart fields. */
  readonly body?: Readonly<Record<string, unknown>>;
}

/** The merged parameters, or Proxmox's 400 errors. */
export type CombinedParams =
  { ok: true; params: Record<string, unknown> } | { ok: false; errors: Record<string, string> };

/**
 * Merges a request's parameters as Proxmox does: the query overrides the body, `_dc` (the web
 * UI's cache buster) is dropped, and a parameter that repeats a path parameter with another
 * value is an error ("duplicate parameter (already defined in URI) with conflicting values!").
 */
export function combineRequestParams(parts: RequestParts): CombinedParams {
  const params: Record<string, unknown> = Object.fromEntries([
    ...Object.entries(parts.body ?? {}),
    ...Object.entries(parts.query ?? {}),
  ]);
  delete params['_dc'];
  const conflicts = Object.keys(params)
    .sort()
    .filter((key) => {
      const fromPath = Object.hasOwn(parts.pathParams, key) ? parts.pathParams[key] : undefined;
      return fromPath !== undefined && String(params[key]) !== fromPath;
    });
  if (conflicts.length > 0) {
    const message = 'duplicate parameter (already defined in URI) with conflicting values!';
    return { ok: false, errors: Object.fromEntries(conflicts.map((key) => [key, message])) };
  }
  return {
    ok: true,
    params: Object.fromEntries([...Object.entries(params), ...Object.entries(parts.pathParams)]),
  };
}
