#!/usr/bin/env -S npx tsx
// Command line: `tsx src/cli.ts [--port N] [--host H] [--pace X|Infinity] [--record file.jsonl]
// [--tls [--ca-out ca.pem]]`. Starts the simulator, prints the URL it listens on (the only line on
// stdout), and stops on SIGINT / SIGTERM. With --tls the CA is written to a file and stderr says
// how a client trusts it.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from './server.js';

// `pnpm start -- --port 1` passes the '--' through; drop it so the flags still count.
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    port: { type: 'string', default: '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    pace: { type: 'string', default: '3' },
    record: { type: 'string' },
    tls: { type: 'boolean', default: false },
    'ca-out': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: open-realtime-simulator [--port 8787] [--host 127.0.0.1] [--pace 3|Infinity] [--record frames.jsonl] [--tls [--ca-out ca.pem]]');
  process.exit(0);
}
const pace = values.pace === 'Infinity' ? Infinity : Number(values.pace);
if (!(pace > 0)) throw new Error(`--pace must be a positive number or Infinity, got ${values.pace}`);
if (values['ca-out'] && !values.tls) throw new Error('--ca-out needs --tls');
const sim = await startSimulator({ port: Number(values.port), host: values.host, pace, record: values.record, tls: values.tls });
if (sim.ca) {
  const caPath = resolve(values['ca-out'] ?? join(tmpdir(), `open-realtime-simulator-ca-${sim.port}.pem`));
  writeFileSync(caPath, sim.ca);
  // NODE_EXTRA_CA_CERTS is read once at process start, so it goes on the client's command line.
  console.error(`CA certificate written to ${caPath}. Trust it in a Node client with\n`
    + `  NODE_EXTRA_CA_CERTS=${caPath} node your-client.js\n`
    + 'or pass its contents as the `ca` TLS option of the WebSocket.');
}
console.log(sim.url);
const stop = (): void => void sim.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
