// Cloudflare Workers entry (`workerd` condition): an upgrading fetch() with handshake headers.
import { defineModels } from './models.js';
import { workerdTransport } from './transport/workerd.js';

export * from './common.js';
export const { OpenAIRealtimeWebSocketModel, OpenAIRealtimeSIPModel } = defineModels(workerdTransport);
/** A model instance. */
export type OpenAIRealtimeWebSocketModel = InstanceType<typeof OpenAIRealtimeWebSocketModel>;
/** A SIP model instance. */
export type OpenAIRealtimeSIPModel = InstanceType<typeof OpenAIRealtimeSIPModel>;
