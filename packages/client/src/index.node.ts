// Node entry (`node` condition): the default socket is `ws` with Authorization headers.
import { defineModels } from './models.js';
import { nodeTransport } from './transport/node.js';

export * from './common.js';
export const { OpenAIRealtimeWebSocketModel, OpenAIRealtimeSIPModel } = defineModels(nodeTransport);
/** A model instance. */
export type OpenAIRealtimeWebSocketModel = InstanceType<typeof OpenAIRealtimeWebSocketModel>;
/** A SIP model instance. */
export type OpenAIRealtimeSIPModel = InstanceType<typeof OpenAIRealtimeSIPModel>;
