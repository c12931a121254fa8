// Bun entry (`bun` condition): Bun's native WebSocket with handshake headers.
import { defineModels } from './models.js';
import { bunTransport } from './transport/bun.js';

export * from './common.js';
export const { OpenAIRealtimeWebSocketModel, OpenAIRealtimeSIPModel } = defineModels(bunTransport);
/** A model instance. */
export type OpenAIRealtimeWebSocketModel = InstanceType<typeof OpenAIRealtimeWebSocketModel>;
/** A SIP model instance. */
export type OpenAIRealtimeSIPModel = InstanceType<typeof OpenAIRealtimeSIPModel>;
