// Deno entry (`deno` condition): Deno's native WebSocket with handshake headers.
import { defineModels } from './models.js';
import { denoTransport } from './transport/deno.js';

export * from './common.js';
export const { OpenAIRealtimeWebSocketModel, OpenAIRealtimeSIPModel } = defineModels(denoTransport);
/** A model instance. */
export type OpenAIRealtimeWebSocketModel = InstanceType<typeof OpenAIRealtimeWebSocketModel>;
/** A SIP model instance. */
export type OpenAIRealtimeSIPModel = InstanceType<typeof OpenAIRealtimeSIPModel>;
