// Deno and Bun runner: the config comes as the first argument and the report is printed on one
// marked line. The process is left to exit by itself, so a socket or timer that keeps the runtime
// alive after every model closed fails the test instead of passing unnoticed.
import { type ClientLibrary, runConformance } from '../scenarios.js';

/** Runs the scenarios with the library the bundle resolved and prints the report. */
export async function start(lib: ClientLibrary): Promise<void> {
  const runtime = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
  const arg = runtime.Deno ? runtime.Deno.args[0] : runtime.process?.argv[2];
  const report = await runConformance(lib, JSON.parse(arg ?? '{}'));
  console.log(`CONFORMANCE_REPORT ${JSON.stringify(report)}`);
}
