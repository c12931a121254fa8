// The transport contract, checked the same way for every runtime (crossws-style: written once,
// called from one test file per runtime). A simulator runs in this Node process; the runtime runs
// scenarios.ts against it and hands back its report; each test checks one scenario's report
// together with what the simulator saw: handshake headers or subprotocols, every client frame,
// close codes. A runtime that cannot run here is skipped with the reason in the suite's title.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientEventErrors } from '../helpers/schema.js';
import { waitFor } from '../helpers/ws-server.js';
import { freePort, removeTempDirs } from './harness.js';
import {
  AFTER_TOOL_REPLY, PLAYED_MS, SCENARIOS, TOOL_OUTPUT, conformanceTone,
  type ConformanceConfig, type ConformanceReport, type ScenarioName, type ScenarioResult,
} from './scenarios.js';

/** Keys the simulator accepts; anything else is refused with an error and close 1008. */
export const KEYS = { server: 'sk-conformance', ephemeral: 'ek_conformance', environment: 'sk-from-environment' } as const;

/** How one runtime is expected to behave, and how to run the scenarios in it. */
export interface RuntimeSpec {
  name: string;
  /** Why this runtime cannot run on this machine, or null. */
  skip: string | null;
  /** Header auth (Authorization / caller's headers) or the browser's subprotocols. */
  auth: 'headers' | 'subprotocols';
  /** The User-Agent the server must see (it names the transport that ran), or null for a browser's own. */
  userAgent: RegExp | null;
  /** True when the runtime falls back to OPENAI_API_KEY (the runner sets it to KEYS.environment). */
  readsEnvKey: boolean;
  apiKey: string;
  badApiKey: string;
  run(config: ConformanceConfig): Promise<ConformanceReport>;
}

type Obj = Record<string, any>;

/** What this suite reads of a simulator connection (packages/simulator/src/server.ts). */
interface ConnectionInfo {
  url: string;
  headers: Record<string, string | string[] | undefined>;
  protocols: string[];
  protocol: string;
  refused: string | null;
  received: Obj[];
  closed: { code: number; reason: string } | null;
}
interface Simulator {
  url: string;
  connections: ConnectionInfo[];
  close(): Promise<void>;
}
type StartSimulator = (options: Obj & { script: (info: ConnectionInfo) => Obj }) => Promise<Simulator>;

/**
 * The simulator is GPL-licensed and not a dependency of this MIT package, so it is loaded at run
 * time by path (and typed here by what is used) rather than pulled into the client's type check.
 */
async function loadSimulator(): Promise<StartSimulator> {
  const path = new URL('../../../simulator/src/index.ts', import.meta.url).href;
  return ((await import(path)) as { startSimulator: StartSimulator }).startSimulator;
}

/** The simulator's script: the weather tool for tool_call, a dropped TCP socket for drop. */
function scriptFor(info: ConnectionInfo): Obj {
  const scenario = new URL(info.url, 'http://localhost').searchParams.get('scenario');
  const rules = [{ match: /weather/i, toolCall: { name: 'get_weather', arguments: { city: 'Paris' } }, afterToolReply: AFTER_TOOL_REPLY }];
  return { rules, minReplySeconds: 1, ...(scenario === 'drop' ? { faults: { dropMidResponseAfterDeltas: 3 } } : {}) };
}

/** The connection_closed exception first, then the others in order. */
const sortClosedFirst = (exceptions: Obj[]): Obj[] => [...exceptions.filter((e) => e.code === 'connection_closed'), ...exceptions.filter((e) => e.code !== 'connection_closed')];

/** Model events other than deltas, in order. */
// latency and heard_transcript come from the wall-clock estimate here (no player): timing-dependent,
// so they are left to the core tests.
const milestones = (result: ScenarioResult) => result.events.filter((e) => !/delta|^audio$|^latency|^heard_transcript/.test(e));

/** Defines the conformance suite of one runtime. */
export function describeConformance(spec: RuntimeSpec): void {
  if (spec.skip) console.warn(`[conformance] ${spec.name} skipped: ${spec.skip}`);
  const title = `${spec.name} transport conformance${spec.skip ? ` (skipped: ${spec.skip})` : ''}`;
  describe.skipIf(spec.skip !== null)(title, () => {
    let sim: Simulator;
    let report: ConformanceReport;

    beforeAll(async () => {
      const startSimulator = await loadSimulator();
      sim = await startSimulator({ port: 0, pace: Infinity, apiKeys: Object.values(KEYS), script: scriptFor });
      const unreachableUrl = `ws://127.0.0.1:${await freePort()}/v1/realtime?model=gpt-realtime`;
      report = await spec.run({ url: sim.url, unreachableUrl, apiKey: spec.apiKey, badApiKey: spec.badApiKey });
    });
    afterAll(async () => {
      await sim?.close();
      removeTempDirs();
    });

    const connections = (name: ScenarioName) => sim.connections.filter((c) => c.url.endsWith(`scenario=${name}`));
    /** The scenario's report, failing with its own error when it did not complete. */
    const result = (name: ScenarioName): ScenarioResult & { data: Obj } => {
      const r = report[name];
      expect(r, `no result for ${name}`).toBeDefined();
      expect(r.error ?? null, `${name} failed in ${spec.name}; events: ${r.events.join(', ')}`).toBeNull();
      return r;
    };
    /** The one connection the scenario opened, and the client frames it carried. */
    const only = (name: ScenarioName): ConnectionInfo => {
      const list = connections(name);
      expect(list.map((c) => c.url)).toEqual([`/v1/realtime?model=gpt-realtime&scenario=${name}`]);
      return list[0]!;
    };

    it('authenticates the way its transport must, never with OpenAI-Beta', () => {
      expect(result('auth').events).toEqual(['connection_status:connecting', 'connection_status:connected']);
      const conn = only('auth');
      expect(conn.headers['openai-beta']).toBeUndefined();
      expect(conn.protocols.some((p) => p.startsWith('openai-beta'))).toBe(false);
      if (spec.auth === 'headers') {
        expect(conn.headers.authorization).toBe(`Bearer ${spec.apiKey}`);
        expect(conn.protocols).toEqual([]);
      } else {
        expect(conn.protocols).toEqual(['realtime', `openai-insecure-api-key.${spec.apiKey}`]);
        expect(conn.protocol).toBe('realtime');
        expect(conn.headers.authorization).toBeUndefined();
      }
      if (spec.userAgent) expect(conn.headers['user-agent']).toMatch(spec.userAgent);
      expect(conn.received).toEqual([
        expect.objectContaining({ type: 'session.update' }),
        { type: 'session.update', session: { type: 'realtime', model: 'gpt-realtime', tracing: 'auto' } },
      ]);
    });

    it(spec.readsEnvKey ? 'falls back to OPENAI_API_KEY from the environment' : 'has no OPENAI_API_KEY fallback: connect without apiKey is refused', () => {
      const data = result('env_key').data;
      if (spec.readsEnvKey) {
        expect(data).toEqual({ connected: true });
        expect(only('env_key').headers.authorization).toBe(`Bearer ${KEYS.environment}`);
      } else {
        expect(data).toMatchObject({ connected: false, rejected: 'missing_api_key' });
        expect(connections('env_key')).toEqual([]);
      }
    });

    it(spec.auth === 'headers' ? "sends exactly the caller's headers and no Authorization" : 'refuses handshake headers', () => {
      const data = result('custom_headers').data;
      if (spec.auth === 'headers') {
        expect(data).toEqual({ connected: true });
        const conn = only('custom_headers');
        expect(conn.headers['api-key']).toBe(spec.apiKey);
        expect(conn.headers.authorization).toBeUndefined();
      } else {
        expect(data).toMatchObject({ connected: false, rejected: 'browser_headers' });
        expect(connections('custom_headers')).toEqual([]);
      }
    });

    it('completes a text turn: the item and response.create on the wire, audio and transcript back', () => {
      const r = result('text_turn');
      expect(r.data.transcript).toMatch(/^You said: Hello from the conformance suite\./);
      expect(r.data.audioBytes).toBeGreaterThan(0);
      expect(r.data.audioBytes % 2).toBe(0);
      expect(r.data.audioDone).toBe(1);
      expect(milestones(r)).toEqual(['connection_status:connecting', 'connection_status:connected', 'turn_started', 'audio_done', 'turn_ended']);
      const frames = only('text_turn').received;
      expect(frames.map((f) => f.type)).toEqual(['session.update', 'session.update', 'conversation.item.create', 'response.create']);
      expect(frames[2]!.item).toEqual({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello from the conformance suite' }] });
    });

    it('sends audio the server decodes byte for byte, and receives the spoken reply as audio events', () => {
      const r = result('audio');
      const frames = only('audio').received;
      expect(frames.map((f) => f.type)).toEqual([
        'session.update', 'session.update', 'input_audio_buffer.append', 'input_audio_buffer.append', 'input_audio_buffer.append',
        'input_audio_buffer.commit', 'response.create',
      ]);
      const appended = Buffer.concat(frames.filter((f) => f.type === 'input_audio_buffer.append').map((f) => Buffer.from(f.audio, 'base64')));
      expect(new Uint8Array(appended)).toEqual(conformanceTone());
      expect(r.data.transcript).toMatch(/^I heard about 0\.3 seconds of audio/);
      expect(r.data.audioChunks).toBeGreaterThan(1);
      expect(r.data.audioBytes % 2).toBe(0);
      expect(r.data.audioDoneItems).toEqual([r.data.audioItem]);
    });

    it('interrupts with conversation.item.truncate at the played position on the wire', () => {
      const r = result('interrupt');
      const itemId = r.data.audioItem as string;
      expect(itemId).toMatch(/^item_/);
      const sent = only('interrupt').received.filter((f) => f.type === 'conversation.item.truncate' || f.type === 'response.cancel');
      // interrupt() also cancels the running response, even with interrupt_response on.
      expect(sent).toEqual([{ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: PLAYED_MS }, { type: 'response.cancel' }]);
      expect(r.data.interrupted).toEqual([{ type: 'audio_interrupted', itemId, contentIndex: 0 }]);
      expect(r.data.truncated).toMatchObject({ type: 'conversation.item.truncated', item_id: itemId, content_index: 0, audio_end_ms: PLAYED_MS });
    });

    it('runs a tool call round trip: function_call out, function_call_output and response.create in', () => {
      const r = result('tool_call');
      expect(r.data.call).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}' });
      const frames = only('tool_call').received;
      const output = frames.findIndex((f) => f.type === 'conversation.item.create' && f.item.type === 'function_call_output');
      expect(frames[output]!.item).toEqual({ type: 'function_call_output', call_id: r.data.call.callId, output: TOOL_OUTPUT });
      expect(frames[output + 1]).toMatchObject({ type: 'response.create' });
      expect(Object.keys(frames[output + 1]!).filter((k) => k !== 'event_id')).toEqual(['type']);
      expect(r.data.reply).toBe(AFTER_TOOL_REPLY);
    });

    it('reports a server error event and stays connected', () => {
      const r = result('server_error');
      expect(r.data.error).toMatchObject({ source: 'server', type: 'invalid_request_error', code: 'response_cancel_not_active' });
      expect(r.events).toEqual(['connection_status:connecting', 'connection_status:connected', 'error:server:response_cancel_not_active']);
      expect(only('server_error').received.at(-1)).toEqual({ type: 'response.cancel' });
    });

    it('closes cleanly with code 1000 from the client', async () => {
      expect(result('client_close').events).toEqual(['connection_status:connecting', 'connection_status:connected', 'connection_status:disconnected']);
      const conn = only('client_close');
      await waitFor(() => conn.closed !== null);
      expect(conn.closed).toEqual({ code: 1000, reason: 'client closed' });
    });

    it('reports the code of a server close (a refused key: error, then 1008)', () => {
      const r = result('server_close');
      expect(only('server_close').refused).toBe('invalid_api_key');
      expect(r.data.error).toMatchObject({ source: 'server', code: 'invalid_api_key' });
      const [closed = {}, ...others] = sortClosedFirst(r.data.exceptions);
      expect(closed).toMatchObject({ code: 'connection_closed', raw: { code: 1008, reason: 'invalid_api_key' } });
      expect(closed.message).toContain('1008');
      // The session.update written as connect() resolves can meet the server's close already under
      // way: reporting that failed send is right, and is the only other exception allowed.
      expect(others.map((e) => e.code)).toEqual(others.map(() => 'send_failed'));
      expect(r.events.filter((e) => e !== 'exception:send_failed')).toEqual([
        'connection_status:connecting', 'connection_status:connected', 'error:server:invalid_api_key', 'exception:connection_closed', 'connection_status:disconnected',
      ]);
    });

    it('reports an unexpected drop (TCP terminated mid-response) as an exception, then disconnected, and refuses to send', () => {
      const r = result('drop');
      expect(only('drop').closed?.code).toBe(1006);
      const [closed = {}, ...others] = sortClosedFirst(r.data.exceptions);
      expect(closed).toMatchObject({ code: 'connection_closed', raw: { code: 1006 } });
      // Browsers and Deno fire `error` before the close of a failed connection (WHATWG "fail the
      // WebSocket connection"); the model reports it, and it is the only other exception allowed.
      expect(others.map((e) => e.code)).toEqual(others.map(() => 'connection_error'));
      expect(r.data.sendAfterDrop).toBe('closed');
      expect(milestones(r).slice(0, 3)).toEqual(['connection_status:connecting', 'connection_status:connected', 'turn_started']);
      expect(milestones(r).filter((e) => e !== 'exception:connection_error').slice(-2)).toEqual(['exception:connection_closed', 'connection_status:disconnected']);
    });

    it('rejects connect when nothing listens, without hanging', () => {
      const r = result('unreachable');
      expect(r.data.connected).toBe(false);
      expect(['connection_error', 'connection_closed']).toContain(r.data.rejected);
      expect(r.events).toEqual(['connection_status:connecting', 'connection_status:disconnected']);
    });

    it('sent only valid GA client events, in every scenario', () => {
      expect(Object.keys(report)).toEqual([...SCENARIOS]);
      const bad = sim.connections.flatMap((c) => c.received.map((f) => [f, clientEventErrors(f)] as const)).filter(([, e]) => e);
      expect(bad.map(([f, e]) => `${JSON.stringify(f).slice(0, 200)}: ${e}`)).toEqual([]);
    });
  });
}
