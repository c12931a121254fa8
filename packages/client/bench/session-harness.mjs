// Shared by the sessions-per-core bench (sessions.mjs) and the soak (soak.mjs): our Node entry
// bundled for the client processes, and the streaming server in its own process.
import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const PKG = resolve(HERE, '..');

/** Our Node entry bundled next to node_modules, so `ws` and its optional add-ons resolve as installed. */
export async function bundleOurs() {
  const dir = join(PKG, 'node_modules/.cache/open-realtime-bench');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'index.node.mjs');
  await esbuild.build({
    entryPoints: [join(PKG, 'src/index.node.ts')], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20',
    external: ['ws', 'isomorphic-ws', 'bufferutil', 'utf-8-validate'], logLevel: 'silent',
  });
  return pathToFileURL(outfile).href;
}

/** Starts the streaming server; resolves to `{ url, call(cmd), close() }`. */
export function startServer({ deflate = false, env = {} } = {}) {
  const child = fork(join(HERE, 'stream-server.mjs'), [], { env: { ...process.env, ...env, BENCH_DEFLATE: deflate ? '1' : '0' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies = [];
  let waiting = null;
  child.on('message', (m) => (waiting ? (waiting(m), (waiting = null)) : replies.push(m)));
  const next = () => (replies.length ? Promise.resolve(replies.shift()) : new Promise((r) => (waiting = r)));
  return next().then(({ port }) => ({
    url: `ws://127.0.0.1:${port}/v1/realtime?model=gpt-realtime`,
    call: (cmd) => (child.send({ cmd }), next()),
    close: () => child.disconnect(),
  }));
}

