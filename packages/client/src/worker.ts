// The `./worker` subpath: worker mode, where the model (socket, parser, ledger, the player's
// bookkeeping) runs in a Web Worker and the page keeps only its AudioContext and listeners.
// In the worker module: `serveRealtimeModel()`. On the page: `new RealtimeWorkerModel(worker)`,
// then use it as the model. Each side's bundle keeps only its own half (no side effects here).
export { serveRealtimeModel } from './worker/serve.js';
export type { ServeRealtimeModelOptions, WorkerEndpoint } from './worker/serve.js';
export { RealtimeWorkerModel } from './worker/model.js';
export type { RealtimeWorkerConnectOptions, WorkerLike } from './worker/model.js';
export { CLOCK_PUMP_MS } from './worker/clock-mirror.js';
