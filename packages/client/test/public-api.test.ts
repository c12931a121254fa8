// What the package entries export works as the docs and error messages say, checked on the wire:
// a zod/mini tool needs `setZodToJsonSchema(z.toJSONSchema)` (exported by both entries), and a
// `ws` socket returned from `createWebSocket` is used as is (this file type-checks without casts).
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as z from 'zod/mini';
import * as browserEntry from '../src/index.browser.js';
import {
  OpenAIRealtimeWebSocketModel, RealtimeUserError, setZodToJsonSchema,
  type CreateWebSocket, type RealtimeHandoff, type RealtimeTool, type TracingConfig,
} from '../src/index.node.js';
import { memorySockets } from './helpers/memory-socket.js';
import { answerLikeServer } from './helpers/scripted-server.js';
import { startWsServer, waitFor } from './helpers/ws-server.js';

const weather: RealtimeTool = { name: 'get_weather', description: 'Weather by city', parameters: z.object({ city: z.string() }) };
const handoff: RealtimeHandoff = { toolName: 'to_billing', toolDescription: 'Billing desk' };

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  setZodToJsonSchema(undefined);
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('zod/mini tools through the package entry', () => {
  it('refuses a zod/mini tool before any socket opens, saying what to import and call', async () => {
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    const error = await model.connect({ apiKey: 'sk-test', initialModelSettings: { tools: [weather] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RealtimeUserError);
    expect((error as RealtimeUserError).code).toBe('invalid_tool');
    expect((error as RealtimeUserError).message).toBe(
      "Tool 'get_weather' has a zod schema without a JSON Schema export (zod/mini); call setZodToJsonSchema(z.toJSONSchema) " +
        "once first (import { setZodToJsonSchema } from '@open-realtime/client').",
    );
    expect(wire.sockets).toHaveLength(0);
  });

  it('sends the JSON Schema of a zod/mini tool once setZodToJsonSchema(z.toJSONSchema) is installed', async () => {
    expect(browserEntry.setZodToJsonSchema).toBe(setZodToJsonSchema);
    setZodToJsonSchema(z.toJSONSchema);
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    cleanup.push(() => model.close());
    await model.connect({ apiKey: 'sk-test', initialModelSettings: { tools: [weather], handoffs: [handoff] } });
    expect(wire.last.sentOfType('session.update')[0]!.session.tools).toEqual([
      {
        type: 'function',
        name: 'get_weather',
        description: 'Weather by city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
      },
      { type: 'function', name: 'to_billing', description: 'Billing desk', parameters: {} },
    ]);
  });
});

describe('createWebSocket returning a ws socket', () => {
  it('uses the socket it returns, with the handshake the factory chose', async () => {
    const server = await startWsServer(answerLikeServer);
    cleanup.push(server.close);
    const createWebSocket: CreateWebSocket = ({ url, headers }) => new WebSocket(url, { headers: { ...headers, 'x-app': 'public-api-test' } });
    const tracing: TracingConfig = { workflowName: 'public-api' };
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket });
    cleanup.push(() => model.close());
    await model.connect({ apiKey: 'sk-factory', url: server.url, initialModelSettings: { tracing } });
    await waitFor(() => server.connections[0]?.received.length === 2);
    const conn = server.connections[0]!;
    expect(conn.headers['x-app']).toBe('public-api-test');
    expect(conn.headers.authorization).toBe('Bearer sk-factory');
    expect(conn.received[1]).toEqual({ type: 'session.update', session: { type: 'realtime', model: 'gpt-realtime', tracing: { workflow_name: 'public-api' } } });
  });
});
