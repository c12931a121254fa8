// Node entry (`node` condition): the default socket is the lean RFC 6455 client (transport/
// node-socket.ts) with Authorization headers; `wsWebSocket` swaps in `ws`, `nodeWebSocket` takes TLS options.
import { defineModels } from './models.js';
import { nodeTransport } from './transport/node.js';

export { nodeWebSocket, wsWebSocket, type WsClientOptions } from './transport/node.js';
export type { NodeWebSocketOptions } from './transport/node-socket.js';

export * from './common.js';
export const { OpenAIRealtimeWebSocketModel, OpenAIRealtimeSIPModel } = defineModels(nodeTransport);
/** A model instance. */
export type OpenAIRealtimeWebSocketModel = InstanceType<typeof OpenAIRealtimeWebSocketModel>;
/** A SIP model instance. */
export type OpenAIRealtimeSIPModel = InstanceType<typeof OpenAIRealtimeSIPModel>;
