#!/usr/bin/env node
// Command line: `open-realtime-simulator [--port N] [--host H] [--pace X|Infinity]
// [--record file.jsonl] [--tls [--ca-out ca.pem]]`. Starts the simulator, prints the URL it listens
// on (the only line on stdout), and stops on SIGINT / SIGTERM. With --tls the CA is written to a
// file and stderr says how a client trusts it. The installed bin is the compiled dist/cli.js run by
// plain node; `pnpm start` runs this source with tsx. Bad flags print one line and exit with status 2.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from './server.js';

const USAGE = 'usage: open-realtime-simulator [--port 8787] [--host 127.0.0.1] [--pace 3|Infinity] [--record frames.jsonl] [--tls [--ca-out ca.pem]]';

function fail(message: string): never {
  console.error(`open-realtime-simulator: ${message}\n${USAGE}`);
  process.exit(2);
}

function readFlags() {
  // `pnpm start -- --port 1` passes the '--' through; drop it so the flags still count.
  const argv = process.argv.slice(2);
  try {
    return parseArgs({
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
    }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
}

const values = readFlags();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const pace = values.pace === 'Infinity' ? Infinity : Number(values.pace);
if (!(pace > 0)) fail(`--pace must be a positive number or Infinity, got ${values.pace}`);
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be an integer from 0 to 65535, got ${values.port}`);
if (values['ca-out'] && !values.tls) fail('--ca-out needs --tls');
const sim = await startSimulator({ port, host: values.host, pace, record: values.record, tls: values.tls });
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
