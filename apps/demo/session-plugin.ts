// Dev-server side of the demo: starts the local simulator with the demo's script and serves
// GET /api/session, which tells the browser where to connect and with which key.
//  - simulator mode (no OPENAI_API_KEY, or DEMO_SIMULATOR=1): the simulator URL and a dummy ek_ key;
//  - real mode (OPENAI_API_KEY set): mints an ephemeral key with POST {OPENAI_BASE_URL}/realtime/client_secrets
//    so the real key never reaches the browser.
// In simulator mode only, GET /api/sim/word-timings?item=ID returns the simulator's true word
// timings of an assistant item (for the end-to-end test of the heard transcript).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin, ViteDevServer } from 'vite';
// The workspace's simulator source, not '@open-realtime/simulator': Vite loads this file with the
// config, and its config loader resolves packages without custom conditions, so the package name
// would need a build of packages/simulator first. A project outside the workspace imports the
// installed '@open-realtime/simulator' (built JavaScript) instead.
import { startSimulator, type Simulator, type SimulatorScript } from '../../packages/simulator/src/index.ts';

export const REAL_URL = 'wss://api.openai.com/v1/realtime?model=gpt-realtime';
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** The simulator's script: "weather" calls get_weather, everything else is the default reply. */
export const DEMO_SCRIPT: SimulatorScript = {
  rules: [
    {
      match: 'weather',
      toolCall: { name: 'get_weather', arguments: { city: 'Paris' } },
      afterToolReply: 'The weather tool answered {output}. Anything else?',
    },
  ],
  minReplySeconds: 6,
};

export interface DemoServerOptions {
  /** Simulator port (default 0: a free port). */
  simulatorPort?: number;
  /** Simulator pace, × real time (default: DEMO_SIM_PACE from the environment, else 3). */
  pace?: number;
}

export interface SessionInfo {
  mode: 'simulator' | 'openai';
  url: string;
  apiKey: string;
  expiresAt?: number;
}

/** Mints an ephemeral key with the server's real key. Throws with the API's message on failure. */
export async function mintEphemeralKey(apiKey: string, baseUrl = DEFAULT_BASE_URL): Promise<SessionInfo> {
  const res = await fetch(`${baseUrl.replace(/\/+$/, '')}/realtime/client_secrets`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ session: { type: 'realtime', model: 'gpt-realtime' } }),
  });
  const text = await res.text();
  let body: { value?: string; expires_at?: number; error?: { message?: string } } = {};
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: reported below */
  }
  if (!res.ok || typeof body.value !== 'string') {
    throw new Error(`Minting an ephemeral key failed (HTTP ${res.status}): ${body.error?.message ?? text.slice(0, 200)}`);
  }
  return { mode: 'openai', url: REAL_URL, apiKey: body.value, expiresAt: body.expires_at };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify(body));
}

/** The Vite plugin: simulator + /api/session on the dev (and preview) server. */
export function demoServer(options: DemoServerOptions = {}): Plugin {
  let starting: Promise<Simulator> | null = null;

  const ensureSimulator = () =>
    (starting ??= startSimulator({ port: options.simulatorPort ?? 0, pace: options.pace ?? (Number(process.env.DEMO_SIM_PACE) || 3), script: DEMO_SCRIPT }));

  const simulatorMode = () => !process.env.OPENAI_API_KEY || process.env.DEMO_SIMULATOR === '1';

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return sendJson(res, 405, { error: 'Use GET' });
    const key = process.env.OPENAI_API_KEY;
    try {
      if (key && !simulatorMode()) {
        return sendJson(res, 200, await mintEphemeralKey(key, process.env.OPENAI_BASE_URL || DEFAULT_BASE_URL));
      }
      const s = await ensureSimulator();
      sendJson(res, 200, { mode: 'simulator', url: s.url, apiKey: 'ek_simulator' } satisfies SessionInfo);
    } catch (error) {
      sendJson(res, 502, { error: (error as Error).message });
    }
  };

  const wordTimings = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return sendJson(res, 405, { error: 'Use GET' });
    if (!simulatorMode()) return sendJson(res, 404, { error: 'Word timings exist only in simulator mode' });
    const item = new URL(req.url ?? '', 'http://localhost').searchParams.get('item');
    if (!item) return sendJson(res, 400, { error: 'Missing ?item=ID' });
    const timings = (await ensureSimulator()).wordTimings(item);
    if (!timings) return sendJson(res, 404, { error: `No word timings for item ${item}` });
    sendJson(res, 200, timings);
  };

  const install = (server: Pick<ViteDevServer, 'middlewares' | 'httpServer'> & { config: ViteDevServer['config'] }) => {
    server.middlewares.use('/api/session', (req, res) => void handle(req, res));
    server.middlewares.use('/api/sim/word-timings', (req, res) => void wordTimings(req, res).catch((e: Error) => sendJson(res, 500, { error: e.message })));
    const started = ensureSimulator();
    started.then(
      (s) => server.config.logger.info(`  ➜  Simulator: ${s.url}${process.env.OPENAI_API_KEY && process.env.DEMO_SIMULATOR !== '1' ? ' (idle: OPENAI_API_KEY is set, the real API is used)' : ''}`),
      (e) => server.config.logger.error(`Simulator failed to start: ${(e as Error).message}`),
    );
    server.httpServer?.once('close', () => void started.then((s) => s.close(), () => {}));
  };

  return {
    name: 'open-realtime-demo-server',
    configureServer(server) {
      install(server);
    },
    configurePreviewServer(server) {
      install(server as never);
    },
  };
}
