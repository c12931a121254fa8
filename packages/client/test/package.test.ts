// The published packages as a user gets them: @open-realtime/client and @open-realtime/simulator
// are built (tsc) and packed with npm, publint and arethetypeswrong report nothing on the tarballs,
// and the tarballs installed with npm into a fresh project outside the workspace (os.tmpdir(),
// dependencies from the registry) work there: plain Node, the simulator's bin, strict TypeScript
// (bundler and nodenext) and a Vite production build. Fixtures live in fixtures/consumer/.
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const PACKAGES = { client: here('..'), simulator: here('../../simulator') };
const ATTW = here('../node_modules/.bin/attw');
const TSC = here('../../../node_modules/typescript/bin/tsc');
const execFileAsync = promisify(execFile);

/** Runs a command; on failure the error carries its stdout and stderr (tsc reports on stdout). */
async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await execFileAsync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 32 << 20 })).stdout;
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${message}\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/** Builds a package (tsc to dist/) and packs it with npm into `dest`; returns the tarball's path. */
async function buildAndPack(dir: string, dest: string): Promise<string> {
  await run(process.execPath, [TSC, '-p', 'tsconfig.build.json'], dir);
  // The build just ran; --ignore-scripts skips prepack's second one.
  const out = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], dir);
  const [packed] = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string }>;
  return join(dest, packed!.filename);
}

const work = mkdtempSync(join(tmpdir(), 'open-realtime-pack-'));
const project = join(work, 'consumer');
const tarballs = { client: '', simulator: '' };

beforeAll(async () => {
  [tarballs.client, tarballs.simulator] = await Promise.all([buildAndPack(PACKAGES.client, work), buildAndPack(PACKAGES.simulator, work)]);
  cpSync(here('fixtures/consumer'), project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // The same ranges the workspace tests with; the packages' own dependencies come with them.
  const dev = { ...JSON.parse(readFileSync(here('../../../package.json'), 'utf8')).devDependencies, ...JSON.parse(readFileSync(here('../package.json'), 'utf8')).devDependencies };
  const extras = ['zod', '@types/ws', '@types/node'].map((name) => `${name}@${dev[name]}`);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarballs.client, tarballs.simulator, ...extras], project);
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed packages', () => {
  it('pass publint and arethetypeswrong, and the client types entry is the Node entry', async () => {
    expect(readFileSync(join(PACKAGES.client, 'dist/index.d.ts'), 'utf8')).toContain('index.node.js');
    await Promise.all([tarballs.client, tarballs.simulator].map(async (tarball) => {
      const data = readFileSync(tarball);
      const { messages, pkg } = await publint({ pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) }, level: 'suggestion' });
      expect(messages.map((m) => formatMessage(m, pkg)), tarball).toEqual([]);
      // attw exits non-zero on a problem its esm-only profile does not ignore; run() then throws its report.
      const attw = await run(ATTW, [tarball, '--profile', 'esm-only', '--format', 'json'], work);
      const report = JSON.parse(attw.slice(attw.indexOf('{'))) as { analysis: { problems?: Array<{ resolutionKind?: string }> } };
      const problems = (report.analysis.problems ?? []).filter((p) => !['node10', 'node16-cjs'].includes(p.resolutionKind ?? ''));
      expect(problems, tarball).toEqual([]);
    }));
  });

  it('keeps ws out of the browser build and the browser transport out of the Node build', async () => {
    const bundleFor = async (platform: 'browser' | 'node') => (await esbuild({
      stdin: { contents: "import { OpenAIRealtimeWebSocketModel } from '@open-realtime/client'; console.log(OpenAIRealtimeWebSocketModel);", resolveDir: project },
      bundle: true, write: false, platform, format: 'esm',
    })).outputFiles[0]!.text;
    const browser = await bundleFor('browser');
    expect(browser).not.toMatch(/isomorphic-ws|require\("ws"\)|from"ws"|from "ws"/);
    expect(browser).toContain('openai-insecure-api-key.');
    const node = await bundleFor('node');
    expect(node).toContain('dist/transport/node-socket.js');
    expect(node).not.toContain('isomorphic-ws'); // ws comes in only with wsWebSocket()
    expect(node).not.toContain('openai-insecure-api-key.');
  });
});

describe('installed into a project outside the workspace', () => {
  it('runs a text turn with plain node: installed simulator, installed client, zod/mini tool', async () => {
    const result = JSON.parse(await run(process.execPath, ['turn.mjs'], project));
    const modules = pathToFileURL(join(realpathSync(project), 'node_modules')).href;
    expect(result.client).toBe(`${modules}/@open-realtime/client/dist/index.node.js`);
    expect(result.simulator).toBe(`${modules}/@open-realtime/simulator/dist/index.js`);
    expect(result.tools).toEqual([{
      type: 'function',
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    }]);
    expect(result.transcript).toBe('Hello from the packed simulator.');
    expect(result.audioBytes).toBeGreaterThan(0);
    expect(result.types).toEqual(expect.arrayContaining(['connection_status', 'turn_started', 'transcript_delta', 'audio', 'audio_done', 'turn_ended']));
  });

  it('starts the installed bin with plain node, serves the protocol, and stops on SIGTERM', async () => {
    const bin = join(project, 'node_modules/.bin/open-realtime-simulator');
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const child = spawn(bin, ['--port', '0', '--pace', 'Infinity'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.stderr.on('data', (chunk: Buffer) => reject(new Error(chunk.toString())));
        void exited.then((code) => reject(new Error(`bin exited with ${code} before printing its URL`)));
      });
      expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime\?model=gpt-realtime$/);
      const socket = new WebSocket(url, { headers: { Authorization: 'Bearer sk-bin' } });
      const first = await new Promise<{ type: string }>((resolve, reject) => {
        socket.once('message', (data) => resolve(JSON.parse(String(data))));
        socket.once('error', reject);
      });
      socket.close();
      expect(first.type).toBe('session.created');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const bad = await run(process.execPath, [bin, '--port', 'eighty'], project).catch((e: Error) => e.message);
    expect(bad).toContain('open-realtime-simulator: --port must be an integer from 0 to 65535, got eighty');
  });

  it('type-checks a strict consumer with moduleResolution bundler and nodenext, no casts', async () => {
    // Sequential: two tsc processes at once would only contend for the two cores.
    await run(process.execPath, [TSC, '-p', 'tsconfig.bundler.json'], project);
    await run(process.execPath, [TSC, '-p', 'tsconfig.nodenext.json'], project);
  }, 120_000);

  it('bundles a page using @open-realtime/client/web-audio with a Vite production build', async () => {
    const { build } = await import('vite');
    const outDir = join(work, 'vite-dist');
    await build({ root: project, configFile: false, logLevel: 'silent', build: { outDir, target: 'es2022' } });
    const assets = readdirSync(join(outDir, 'assets'));
    expect(assets.every((f) => f.endsWith('.js'))).toBe(true); // the worklets ship inline, no extra asset
    const js = assets.map((f) => readFileSync(join(outDir, 'assets', f), 'utf8')).join('\n');
    expect(js).toContain('class OpenRealtimePlayer extends AudioWorkletProcessor');
    expect(js).toContain('class OpenRealtimeCapture extends AudioWorkletProcessor');
    expect(js).toContain('openai-insecure-api-key.'); // the browser build of the model
    expect(js).not.toContain('isomorphic-ws');
  });

  it('builds worker mode with Vite: the model in the worker chunk, only the player and the proxy on the page', async () => {
    const { build } = await import('vite');
    const outDir = join(work, 'vite-worker-dist');
    await build({ root: project, configFile: false, logLevel: 'silent', build: { outDir, target: 'es2022', rollupOptions: { input: join(project, 'worker.html') } }, worker: { format: 'es' } });
    const assets = readdirSync(join(outDir, 'assets'));
    const read = (f: string) => readFileSync(join(outDir, 'assets', f), 'utf8');
    const workerChunks = assets.filter((f) => f.startsWith('realtime.worker'));
    const pageChunks = assets.filter((f) => f.endsWith('.js') && !f.startsWith('realtime.worker'));
    expect(workerChunks).toHaveLength(1);
    const workerJs = read(workerChunks[0]!);
    const pageJs = pageChunks.map(read).join('\n');
    // The socket, auth and parser are the worker's; the page has the player's worklet and the proxy.
    expect(workerJs).toContain('openai-insecure-api-key.');
    expect(workerJs).toContain('response.output_audio.delta');
    expect(pageJs).not.toContain('openai-insecure-api-key.');
    expect(pageJs).not.toContain('response.output_audio.delta');
    expect(pageJs).toContain('class OpenRealtimePlayer extends AudioWorkletProcessor');
    expect(pageJs).toContain('realtime.worker');
    const gzip = (text: string) => gzipSync(text).length / 1024;
    console.log(`worker mode, Vite production build: page ${gzip(pageJs).toFixed(2)} KB gzip, worker ${gzip(workerJs).toFixed(2)} KB gzip`);
  });
});
