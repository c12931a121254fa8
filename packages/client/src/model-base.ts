// The public model class before a transport is bound (models.ts binds one per runtime): the
// connection (client.ts), whose base (model-sends.ts) adds the seed's send conveniences.
import { RealtimeConnection } from './client.js';

export type { RealtimeConnectOptions, RealtimeModelOptions, RealtimeModelListener } from './client.js';

/** Shared implementation; the runtime entry points bind the default transport. */
export class RealtimeWebSocketModelBase extends RealtimeConnection {}
