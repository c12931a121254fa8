// Scripted, deterministic replies: the simulator never understands speech or language.
// A script lists rules matched against the user's latest text (typed, or the scripted transcript
// of an audio turn); the first match decides the reply or tool call. Without a match the reply
// quotes what the user typed and is padded to last at least minReplySeconds of speech.
import type { FaultOptions } from './faults.js';

/** One scripted rule. */
export interface ScriptRule {
  /** Substring (case-insensitive) or RegExp tested on the user's latest text. */
  match: string | RegExp;
  /** Reply text to speak or write. */
  reply?: string;
  /** Call this tool instead of replying, when the session (or response) offers a tool of that name. */
  toolCall?: { name: string; arguments: Record<string, unknown> | string };
  /** Reply after the tool's output came back; `{output}` is replaced by the output. */
  afterToolReply?: string;
}

/** Per-connection script. */
export interface SimulatorScript {
  rules?: ScriptRule[];
  /** Transcripts given, in order, to the user's audio turns (the simulator cannot transcribe). */
  userTranscripts?: string[];
  /** Minimum length of default replies, in seconds of speech (default 4). */
  minReplySeconds?: number;
  /** Fault injection for this connection (merged over the server's). */
  faults?: FaultOptions;
}

/** What a response will contain. */
export type ReplyPlan =
  | { kind: 'text'; text: string; isDefault?: boolean }
  | { kind: 'tool'; name: string; arguments: string };

/** Inputs to reply planning. */
export interface ReplyContext {
  userText: string | null;
  userAudioMs: number | null;
  toolOutput: { name: string; output: string } | null;
  instructions: string | null;
  toolNames: string[];
}

function matches(rule: ScriptRule, text: string): boolean {
  if (typeof rule.match === 'string') return text.toLowerCase().includes(rule.match.toLowerCase());
  rule.match.lastIndex = 0;
  return rule.match.test(text);
}

const FILLER =
  ' This reply comes from the open realtime simulator, which speaks with a synthetic voice and follows a script.';

/** Plans the content of a response from the script and the conversation so far. */
export function planReply(script: SimulatorScript, ctx: ReplyContext): ReplyPlan {
  const rules = script.rules ?? [];
  if (ctx.toolOutput) {
    const rule = rules.find((r) => r.toolCall?.name === ctx.toolOutput!.name && r.afterToolReply);
    const text = rule?.afterToolReply?.replace('{output}', ctx.toolOutput.output)
      ?? `The tool ${ctx.toolOutput.name} returned ${ctx.toolOutput.output}.${FILLER}`;
    return { kind: 'text', text, isDefault: !rule };
  }
  const userText = ctx.userText ?? '';
  for (const rule of rules) {
    if (!matches(rule, userText)) continue;
    if (rule.toolCall && ctx.toolNames.includes(rule.toolCall.name)) {
      const args = typeof rule.toolCall.arguments === 'string'
        ? rule.toolCall.arguments : JSON.stringify(rule.toolCall.arguments);
      return { kind: 'tool', name: rule.toolCall.name, arguments: args };
    }
    if (rule.reply !== undefined) return { kind: 'text', text: rule.reply };
  }
  return { kind: 'text', text: defaultReply(ctx), isDefault: true };
}

function defaultReply(ctx: ReplyContext): string {
  let text: string;
  if (ctx.userText) text = `You said: ${ctx.userText.trim()}.`;
  else if (ctx.userAudioMs !== null) {
    text = `I heard about ${(ctx.userAudioMs / 1000).toFixed(1)} seconds of audio, but I am a simulator and cannot understand speech.`;
  } else text = 'Hello, I am the simulator.';
  if (ctx.instructions) text += ` I was instructed: ${ctx.instructions.trim().slice(0, 120)}.`;
  return text + FILLER;
}

/** Extends a default reply with filler until `seconds(text)` reaches the minimum. */
export async function padReply(
  text: string,
  minSeconds: number,
  seconds: (t: string) => Promise<number>,
): Promise<string> {
  let out = text;
  for (let i = 0; i < 5 && (await seconds(out)) < minSeconds; i++) out += FILLER;
  return out;
}
