// Validates wire JSON against the GA JSON Schema in ../shared/protocol (PROTOCOL.md §3).
// Every client event a test sends goes through `assertClientEvent`; server events through
// `validateServerEvent` after dropping nulls (the schema's serverNullPolicy).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const schemaPath = fileURLToPath(new URL('../../../../../shared/protocol/realtime-ga-events.schema.json', import.meta.url));
export const gaSchema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown> & { $id: string };
export const examplesPath = fileURLToPath(new URL('../../../../../shared/protocol/realtime-ga-examples.json', import.meta.url));

const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addFormat('unixtime', { type: 'number', validate: Number.isInteger });
ajv.addSchema(gaSchema);
const validateClient = ajv.getSchema(`${gaSchema.$id}#/$defs/RealtimeClientEvent`)!;
const validateServer = ajv.getSchema(`${gaSchema.$id}#/$defs/RealtimeServerEvent`)!;

/** Drops null-valued properties recursively (PROTOCOL.md §3 serverNullPolicy). */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = dropNulls(v);
    return out;
  }
  return value;
}

/** Returns null when `event` is a valid GA client event, else a readable list of problems. */
export function clientEventErrors(event: unknown): string | null {
  return validateClient(event) ? null : ajv.errorsText(validateClient.errors, { separator: '; ' });
}

/** Throws unless `event` (an object or its JSON text) is a valid GA client event. */
export function assertClientEvent(event: unknown): void {
  const value = typeof event === 'string' ? JSON.parse(event) : event;
  const errors = clientEventErrors(value);
  if (errors) throw new Error(`invalid GA client event ${JSON.stringify(value).slice(0, 300)}: ${errors}`);
}

/** Returns null when `event` is a valid GA server event (nulls dropped first), else the problems. */
export function serverEventErrors(event: unknown): string | null {
  return validateServer(dropNulls(event)) ? null : ajv.errorsText(validateServer.errors, { separator: '; ' });
}

const clientEventFailures: string[] = [];

/** Validates a client event seen on any test wire; failures fail the running test (setup.ts). */
export function recordClientEvent(event: unknown): void {
  const value = typeof event === 'string' ? safeJson(event) : event;
  const errors = clientEventErrors(value);
  if (errors) clientEventFailures.push(`${JSON.stringify(value).slice(0, 300)}: ${errors}`);
}

/** Returns and clears the invalid client events recorded since the last call. */
export function takeClientEventFailures(): string[] {
  return clientEventFailures.splice(0, clientEventFailures.length);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
