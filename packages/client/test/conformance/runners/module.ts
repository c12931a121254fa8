// Node and Chromium runner: returns `run(config)` over the library the bundle resolved, and puts
// it on globalThis for the Chromium page (the Node test imports the bundle in-process).
import { type ConformanceConfig, type ClientLibrary, runConformance } from '../scenarios.js';

/** The run function, also exposed as globalThis.runConformance. */
export function start(lib: ClientLibrary) {
  const run = (config: ConformanceConfig) => runConformance(lib, config);
  (globalThis as { runConformance?: typeof run }).runConformance = run;
  return run;
}
