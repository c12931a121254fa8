#!/usr/bin/env -S npx tsx
// Command line: `tsx src/cli.ts [--port N] [--host H] [--pace X|Infinity] [--record file.jsonl]`.
// Starts the simulator, prints the URL it listens on, and stops on SIGINT / SIGTERM.
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
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: open-realtime-simulator [--port 8787] [--host 127.0.0.1] [--pace 3|Infinity] [--record frames.jsonl]');
  process.exit(0);
}
const pace = values.pace === 'Infinity' ? Infinity : Number(values.pace);
if (!(pace > 0)) throw new Error(`--pace must be a positive number or Infinity, got ${values.pace}`);
const sim = await startSimulator({ port: Number(values.port), host: values.host, pace, record: values.record });
console.log(sim.url);
const stop = (): void => void sim.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
