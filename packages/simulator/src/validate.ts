// GA JSON Schema validation of client frames (and, for tests, of server frames).
// The schema is a copy of shared/protocol/realtime-ga-events.schema.json kept in ../schema, so
// the package reads nothing outside itself at run time. Client events are checked against the
// def of their own `type` (x-clientEvents) so errors name the offending field, not a union.
// Both directions are judged with null-valued properties dropped: the real server sends nulls
// for unset fields and takes them back (PROTOCOL.md §3 serverNullPolicy); a null that leaves a
// required field empty is still refused.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const SCHEMA_ID = 'realtime-ga-events.schema.json';

/** The GA event schema (draft 2020-12), loaded once from the package's schema/ folder. */
export const GA_SCHEMA = JSON.parse(
  readFileSync(new URL('../schema/realtime-ga-events.schema.json', import.meta.url), 'utf8'),
) as { 'x-clientEvents': Record<string, string>; 'x-serverEvents': Record<string, string> };

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

function getValidator(defName: string): ValidateFunction {
  let fn = compiled.get(defName);
  if (fn) return fn;
  if (!ajv) {
    ajv = new Ajv2020({ strict: false, allErrors: false });
    addFormats(ajv);
    ajv.addFormat('unixtime', { type: 'number', validate: Number.isInteger });
    ajv.addSchema(GA_SCHEMA);
  }
  fn = ajv.getSchema(`${SCHEMA_ID}#/$defs/${defName}`);
  if (!fn) throw new Error(`schema def ${defName} missing`);
  compiled.set(defName, fn);
  return fn;
}

/** A client-event problem in the real server's error vocabulary. */
export interface ClientEventIssue {
  code: string;
  message: string;
  param: string | null;
}

/** Checks one parsed client frame; returns null when it is a valid GA client event. */
export function checkClientEvent(event: unknown): ClientEventIssue | null {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return { code: 'invalid_event', message: 'Expected an object event.', param: null };
  }
  const type = (event as { type?: unknown }).type;
  // Known: the spec's own `error` example for a frame without type (PROTOCOL.md §2 examples).
  if (type === undefined) return { code: 'invalid_event', message: "The 'type' field is missing.", param: null };
  const defName = typeof type === 'string' ? GA_SCHEMA['x-clientEvents'][type] : undefined;
  if (!defName) {
    // Assumed wording, modelled on the API's generic invalid_value errors.
    const supported = Object.keys(GA_SCHEMA['x-clientEvents']).map((t) => `'${t}'`).join(', ');
    return {
      code: 'invalid_value',
      message: `Invalid value: '${String(type)}'. Supported values are: ${supported}.`,
      param: 'type',
    };
  }
  const fn = getValidator(defName);
  // A null means "not given" to the shape check (session.created holds nulls a client may echo
  // back, e.g. audio.input.noise_reduction); session.ts gives the documented nulls their meaning.
  if (fn(dropNulls(event))) return null;
  return issueFromAjv(fn.errors ?? [], event);
}

function issueFromAjv(errors: ErrorObject[], event: unknown): ClientEventIssue {
  const err = errors[0];
  const path = err ? err.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
  if (err?.keyword === 'required') {
    const missing = (err.params as { missingProperty: string }).missingProperty;
    const param = path ? `${path}.${missing}` : missing;
    if (valueAt(event, param) === null) {
      // Assumed wording (the real one is not documented): a required field sent as null.
      return { code: 'invalid_value', message: `Invalid value at '${param}': expected a value, got null.`, param };
    }
    return { code: 'missing_required_parameter', message: `Missing required parameter: '${param}'.`, param };
  }
  const param = path || null;
  return {
    code: 'invalid_value',
    message: `Invalid value at '${param ?? '(root)'}': ${err?.message ?? 'does not match the GA schema'}.`,
    param,
  };
}

/** The value at a dotted path of the ajv instance path (array indexes included), or undefined. */
function valueAt(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** Drops null-valued properties recursively (the schema's x-source.serverNullPolicy). */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = dropNulls(v);
    return out;
  }
  return value;
}

/** Validates a server event (after dropNulls) against #/$defs/RealtimeServerEvent; returns errors. */
export function serverEventErrors(event: unknown): ErrorObject[] | null {
  const fn = getValidator('RealtimeServerEvent');
  return fn(dropNulls(event)) ? null : (fn.errors ?? []);
}

/** Validates a client event against #/$defs/RealtimeClientEvent; returns errors or null. */
export function clientEventErrors(event: unknown): ErrorObject[] | null {
  const fn = getValidator('RealtimeClientEvent');
  return fn(event) ? null : (fn.errors ?? []);
}
