// Shapes of the Proxmox VE API schema (pve-docs `apidata.js`), as PVE::JSONSchema reads them.
// The JSON comes from Perl, so flags are 0/1 and numbers can be strings ("minimum": "0").

/** One property schema: a parameter, a key of a property string, or a part of `returns`. */
export interface PveParam {
  readonly type?: string | readonly string[];
  readonly optional?: number | boolean;
  /** A registered format name (`pve-vmid`, `pve-tag-list`), or the keys of a property string. */
  readonly format?: string | PveFormatKeys;
  readonly enum?: readonly (string | number)[];
  readonly minimum?: number | string;
  readonly maximum?: number | string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly default?: unknown;
  readonly typetext?: string;
  readonly description?: string;
  /** A property that must be present too, or a schema the whole object must pass. */
  readonly requires?: string | PveParam;
  readonly items?: PveParam;
  readonly properties?: Readonly<Record<string, PveParam>>;
  readonly additionalProperties?: number | boolean | PveParam;
  /** Property strings: the key a bare value (`virtio` in `net0=virtio,bridge=vmbr0`) belongs to. */
  readonly default_key?: number | boolean;
  /** Property strings: this key stores its value under another key (`virtio=MAC` → `macaddr`). */
  readonly alias?: string;
  /** Property strings: with `alias`, also store this key's own name under `keyAlias` (`model`). */
  readonly keyAlias?: string;
  readonly group?: string;
  readonly oneOf?: readonly PveParam[];
  readonly 'type-property'?: string;
  readonly 'instance-types'?: readonly string[];
  readonly extends?: PveParam;
  readonly disallow?: string | readonly string[];
}

/** The keys of a property string (`key=value,key2=value2`), each with its schema. */
export type PveFormatKeys = Readonly<Record<string, PveParam>>;

/** HTTP methods the Proxmox API serves (pve-http-server answers 501 to any other). */
export type PveMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One method of one path of the API. */
export interface PveEndpoint {
  readonly method: PveMethod;
  /** The path as the schema writes it, e.g. `/nodes/{node}/qemu/{vmid}/clone`. */
  readonly pathTemplate: string;
  /** Every accepted parameter, `net[n]`-style names expanded to `net0` … `net31`. */
  readonly parameters: Readonly<Record<string, PveParam>>;
  /** The schema PVE::JSONSchema::validate checks the merged parameters against. */
  readonly parameterSchema: PveParam;
  readonly returns: unknown;
  readonly permissions?: unknown;
  /** False: API tokens get 403 "URI … not available with API token, need proper ticket." */
  readonly allowtoken: boolean;
  /** True: pveproxy hands the call to pvedaemon (runs as root). */
  readonly protected: boolean;
  /** The parameter naming the node the call is proxied to, e.g. `node`. */
  readonly proxyto?: string;
  /** The handler's name in the Perl API, e.g. `clone_vm`. */
  readonly name?: string;
}

/** The result of routing a request path. */
export type PveMatch =
  | { ok: true; endpoint: PveEndpoint; pathParams: Record<string, string> }
  | { ok: false; status: 501; message: string };

/** The result of checking request parameters. */
export type PveValidation =
  { ok: true; values: Record<string, unknown> } | { ok: false; errors: Record<string, string> };
