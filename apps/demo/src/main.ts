// The demo page: one OpenAIRealtimeWebSocketModel driving a WebAudioPlayer (wired in one step with
// `connect({ player })`) and a MicrophoneCapture, the way an app would. What was received, heard
// and cut comes from the model's ledger (getAudioItems, heard_transcript, audio_interrupted,
// latency), never from the page's own counting. No framework: small render functions per panel.
import { OpenAIRealtimeWebSocketModel, type RealtimeItem, type RealtimeModelEventOf } from '@open-realtime/client';
import { CaptureError, MicrophoneCapture, WebAudioPlayer } from '@open-realtime/client/web-audio';
import { Timeline, showLatency } from './ledger-view.ts';
import { log } from './log.ts';

type Model = InstanceType<typeof OpenAIRealtimeWebSocketModel>;
type Obj = Record<string, any>;

const el = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  status: el('status'), mode: el('mode'), connect: el<HTMLButtonElement>('connect'), error: el('error'),
  transcript: el<HTMLOListElement>('transcript'), composer: el<HTMLFormElement>('composer'),
  message: el<HTMLInputElement>('message'), send: el<HTMLButtonElement>('send'),
  interrupt: el<HTMLButtonElement>('interrupt'), mic: el<HTMLButtonElement>('mic'),
  micLevel: el<HTMLMeterElement>('mic-level'), outLevel: el<HTMLMeterElement>('out-level'),
  session: el('session'), tools: el<HTMLOListElement>('tools'), timeline: el<HTMLTableElement>('timeline'),
  latency: el<HTMLOListElement>('latency'),
};

// ---------------------------------------------------------------------------------------------
// The one tool: the simulator's script calls it for messages that mention "weather".
const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};
function getWeather(args: { city?: string }): unknown {
  const city = args.city || 'somewhere';
  const seed = [...city].reduce((n, c) => n + c.charCodeAt(0), 0);
  return { city, temperature_c: 8 + (seed % 15), conditions: ['sunny', 'cloudy', 'light rain', 'windy'][seed % 4] };
}

// ---------------------------------------------------------------------------------------------
let model: Model | null = null;
let player: WebAudioPlayer | null = null;
let mic: MicrophoneCapture | null = null;
/** The connection as shown; `reconnecting` when the library's opt-in reconnect is under way. */
let state: 'disconnected' | 'connecting' | 'connected' | 'reconnecting' = 'disconnected';

function setState(next: typeof state): void {
  state = next;
  ui.status.textContent = { disconnected: 'Disconnected', connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…' }[next];
  ui.status.dataset.state = next;
  ui.connect.textContent = next === 'disconnected' ? 'Connect' : 'Disconnect';
  const live = next === 'connected';
  for (const b of [ui.message, ui.send, ui.interrupt, ui.mic]) b.disabled = !live;
  if (live) ui.message.focus();
}

function showError(message: string | null): void {
  ui.error.hidden = !message;
  ui.error.textContent = message ?? '';
}

// --- transcripts ---------------------------------------------------------------------------------
/**
 * A transcript line. For assistant audio, `heard` is the model's heard split (null until the first
 * `heard_transcript`); the rest of the text is not heard yet, or never will be once `cutMs` is set.
 */
interface Line { li: HTMLLIElement; role: string; text: string; heard: string | null; cutMs: number | null }
const lines = new Map<string, Line>();

function line(itemId: string, role: string): Line {
  let l = lines.get(itemId);
  if (!l) {
    const li = document.createElement('li');
    li.className = `msg ${role}`;
    li.dataset.itemId = itemId;
    l = { li, role, text: '', heard: null, cutMs: null };
    lines.set(itemId, l);
    ui.transcript.append(li);
  }
  return l;
}

function renderLine(l: Line): void {
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = l.role === 'user' ? 'You' : 'Assistant';
  const body = document.createElement('span');
  body.className = 'text';
  const rest = l.heard !== null && l.text.startsWith(l.heard) ? l.text.slice(l.heard.length) : '';
  if (l.heard !== null && (rest || l.cutMs !== null)) {
    const heard = document.createElement('span');
    heard.className = 'heard';
    heard.textContent = l.heard;
    const unheard = document.createElement('span');
    unheard.className = l.cutMs === null ? 'unheard pending' : 'unheard cut';
    unheard.title = l.cutMs === null ? 'Not heard yet' : 'Never heard: playback was interrupted';
    unheard.textContent = rest;
    body.append(heard, unheard);
    if (l.cutMs !== null) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = `cut at ${l.cutMs} ms`;
      body.append(' ', badge);
    }
  } else body.textContent = l.text || '…';
  l.li.replaceChildren(who, body);
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
}

function setLineText(itemId: string, role: string, text: string): void {
  const l = line(itemId, role);
  l.text = text;
  renderLine(l);
}

/** The model's heard split moved (while playing) or is final (fully heard, or cut). */
function onHeard(e: RealtimeModelEventOf<'heard_transcript'>): void {
  const l = line(e.itemId, 'assistant');
  l.heard = e.heard;
  if (e.heard.length + e.unheard.length > l.text.length) l.text = e.heard + e.unheard;
  renderLine(l);
}

/** Playback of an item stopped before its end: the rest is struck through, with the cut position. */
function onInterrupted(m: Model, e: RealtimeModelEventOf<'audio_interrupted'>): void {
  const item = m.getAudioItems().find((i) => i.itemId === e.itemId && i.contentIndex === e.contentIndex);
  const l = line(e.itemId, 'assistant');
  l.cutMs = item ? (item.truncatedAtMs ?? Math.floor(item.heardMs)) : 0;
  l.heard ??= '';
  renderLine(l);
}

// --- tool calls --------------------------------------------------------------------------------
function showToolCall(callId: string, name: string, args: string, output: string | null): void {
  let li = ui.tools.querySelector<HTMLLIElement>(`li[data-call-id="${CSS.escape(callId)}"]`);
  if (!li) {
    li = document.createElement('li');
    li.dataset.callId = callId;
    li.innerHTML = '<div class="name"></div><div class="io"><span>arguments</span><code class="args"></code><span>output</span><code class="output"></code></div>';
    ui.tools.append(li);
  }
  li.querySelector('.name')!.textContent = `${name}()`;
  li.querySelector('.args')!.textContent = args;
  li.querySelector('.output')!.textContent = output ?? 'running…';
}

// --- session settings --------------------------------------------------------------------------
function showSession(s: Obj): void {
  const td = s.audio?.input?.turn_detection;
  const fields: Array<[string, unknown]> = [
    ['Model', s.model],
    ['Voice', s.audio?.output?.voice],
    ['Turn detection', td ? [td.type, td.eagerness && `eagerness ${td.eagerness}`, td.interrupt_response !== undefined && `interrupt_response ${td.interrupt_response}`].filter(Boolean).join(', ') : 'none (manual)'],
    ['Output', (s.output_modalities ?? []).join(', ')],
    ['Output format', s.audio?.output?.format ? `${s.audio.output.format.type}${s.audio.output.format.rate ? ` ${s.audio.output.format.rate} Hz` : ''}` : ''],
    ['Transcription', s.audio?.input?.transcription?.model ?? 'off'],
    ['Tools', (s.tools ?? []).map((t: Obj) => t.name).join(', ') || 'none'],
  ];
  ui.session.replaceChildren(...fields.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v === undefined || v === null || v === '' ? '—' : String(v);
    return [dt, dd];
  }));
}

// --- server events the UI reads directly -------------------------------------------------------
function onServerEvent(e: Obj): void {
  switch (e.type) {
    case 'session.created':
    case 'session.updated':
      showSession(e.session ?? {});
      break;
    case 'conversation.item.input_audio_transcription.failed':
      setLineText(e.item_id, 'user', `(spoken audio: ${e.error?.message ?? 'no transcript'})`);
      break;
  }
}

function onItem(item: RealtimeItem): void {
  if (item.type === 'function_call') {
    if (item.callId) showToolCall(item.callId, item.name ?? '', item.arguments ?? '', item.output ?? null);
    return;
  }
  const parts = (item.content ?? []) as Obj[];
  if (item.role === 'user') {
    const text = parts.map((p) => p.text ?? p.transcript ?? '').join(' ').trim();
    const l = lines.get(item.itemId);
    if (text) setLineText(item.itemId, 'user', text);
    else if (!l && parts.some((p) => p.type === 'input_audio')) setLineText(item.itemId, 'user', '(speaking…)');
  } else if (item.role === 'assistant') {
    const text = parts.map((p) => p.transcript ?? p.text ?? '').join('');
    const l = line(item.itemId, 'assistant');
    // A server may report the transcript trimmed after a truncate: the heard split stays the model's.
    if (text.length > l.text.length) l.text = text;
    renderLine(l);
  }
}

// --- connect / disconnect ----------------------------------------------------------------------
function loggingSocket({ url, protocols }: { url: string; protocols?: string[] }): WebSocket {
  const ws = new WebSocket(url, protocols);
  const send = ws.send.bind(ws);
  ws.send = (data: string | ArrayBufferLike | Blob | ArrayBufferView) => {
    if (typeof data === 'string') {
      try {
        const parsed = JSON.parse(data);
        log('out', parsed.type, parsed);
      } catch { /* not JSON */ }
    }
    send(data);
  };
  return ws;
}

async function connect(): Promise<void> {
  showError(null);
  setState('connecting');
  try {
    // Created inside the click: the AudioContext may start without an autoplay prompt.
    player = new WebAudioPlayer();
    const starting = player.start();
    starting.catch(() => {}); // awaited below; a failed session fetch must not leave it unhandled
    const res = await fetch('/api/session');
    const session = (await res.json().catch(() => ({}))) as { url?: string; apiKey?: string; mode?: string; error?: string };
    if (!res.ok || !session.url || !session.apiKey) throw new Error(session.error ?? `GET /api/session failed (HTTP ${res.status})`);
    ui.mode.textContent = session.mode === 'openai' ? 'OpenAI API' : 'Simulator';
    await starting;
    const p = player;
    const m = new OpenAIRealtimeWebSocketModel({ createWebSocket: loggingSocket });
    model = m;
    const timeline = new Timeline(ui.timeline, () => m.getAudioItems());
    // Each position report is folded into the model's ledger; redraw from it.
    p.on('position', () => timeline.refresh());
    p.on('level', ({ rms }) => { ui.outLevel.value = Math.min(1, rms * 4); });
    m.on('connection_status', ({ status }) => {
      if (m !== model) return;
      if (status === 'disconnected') teardown();
      else setState(status as typeof state);
    });
    m.on('raw_server_event', ({ data }) => { log('in', (data as Obj)?.type ?? 'unknown', data); onServerEvent(data as Obj); });
    for (const type of ['audio', 'audio_done', 'turn_ended'] as const) m.on(type, () => timeline.refresh());
    m.on('heard_transcript', (e) => { onHeard(e); timeline.refresh(); });
    m.on('audio_interrupted', (e) => { log('app', 'audio_interrupted', e); onInterrupted(m, e); timeline.refresh(); });
    m.on('latency', (e) => { log('app', 'latency', e); showLatency(ui.latency, e); });
    m.on('transcript_delta', ({ itemId, delta }) => { const l = line(itemId, 'assistant'); l.text += delta; renderLine(l); });
    m.on('output_text_delta', ({ itemId, delta }) => { const l = line(itemId, 'assistant'); l.text += delta; renderLine(l); });
    m.on('input_audio_transcription_completed', ({ itemId, transcript }) => setLineText(itemId, 'user', transcript));
    m.on('item_updated', ({ item }) => onItem(item));
    m.on('function_call', (call) => void runTool(m, call));
    m.on('error', ({ error }) => { log('app', 'error', error); showError(`Server error${error.code ? ` (${error.code})` : ''}: ${error.message}`); });
    m.on('exception', ({ exception, context }) => { log('app', 'exception', { context, message: exception.message }); showError(`${context}: ${exception.message}`); });

    await m.connect({
      url: session.url,
      apiKey: session.apiKey,
      player: p, // one step: the model appends audio, drops what an interrupt stops, reads what was heard
      initialModelSettings: {
        voice: 'marin',
        instructions: 'You are a concise, friendly voice assistant. Use get_weather for weather questions.',
        turnDetection: { type: 'semantic_vad', eagerness: 'auto', createResponse: true, interruptResponse: true },
        inputAudioTranscription: { model: 'gpt-4o-mini-transcribe' },
        tools: [weatherTool],
      },
    });
  } catch (error) {
    showError(`Could not connect: ${(error as Error).message}`);
    teardown();
  }
}

async function runTool(m: Model, call: { callId: string; name: string; arguments: string; id: string }): Promise<void> {
  showToolCall(call.callId, call.name, call.arguments, null);
  let output: string;
  try {
    if (call.name !== 'get_weather') throw new Error(`Unknown tool ${call.name}`);
    output = JSON.stringify(getWeather(JSON.parse(call.arguments || '{}')));
  } catch (error) {
    output = JSON.stringify({ error: (error as Error).message });
  }
  showToolCall(call.callId, call.name, call.arguments, output);
  try {
    await m.sendEvent({ type: 'tool_output', toolCall: call, output, startResponse: true });
  } catch (error) {
    showError(`Could not send the tool output: ${(error as Error).message}`);
  }
}

function teardown(): void {
  const m = model;
  model = null;
  m?.close();
  void stopMic();
  void player?.close();
  player = null;
  ui.outLevel.value = 0;
  setState('disconnected');
}

// --- microphone --------------------------------------------------------------------------------
async function startMic(): Promise<void> {
  const m = model;
  if (!m) return;
  const capture = new MicrophoneCapture({
    onChunk: (chunk) => { if (model === m) m.sendAudio(chunk).catch((e: Error) => showError(e.message)); },
  });
  capture.on('level', ({ rms }) => { ui.micLevel.value = Math.min(1, rms * 4); });
  mic = capture;
  ui.mic.setAttribute('aria-pressed', 'true');
  ui.mic.textContent = 'Microphone on';
  try {
    await capture.start();
    log('app', 'microphone.started', {});
  } catch (error) {
    mic = null;
    ui.mic.setAttribute('aria-pressed', 'false');
    ui.mic.textContent = 'Microphone off';
    const code = error instanceof CaptureError ? error.code : 'unsupported';
    showError(code === 'permission_denied' ? 'Microphone permission was denied: allow it in the browser to talk.'
      : code === 'no_device' ? 'No microphone was found.' : `Microphone failed: ${(error as Error).message}`);
  }
}

async function stopMic(): Promise<void> {
  const capture = mic;
  mic = null;
  ui.mic.setAttribute('aria-pressed', 'false');
  ui.mic.textContent = 'Microphone off';
  ui.micLevel.value = 0;
  if (capture) {
    await capture.stop().catch(() => {});
    log('app', 'microphone.stopped', {});
  }
}

// --- controls ----------------------------------------------------------------------------------
ui.connect.addEventListener('click', () => {
  if (state === 'disconnected') void connect();
  else teardown();
});
ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.message.value.trim();
  if (!text || !model) return;
  ui.message.value = '';
  model.sendUserInput(text).catch((e: Error) => showError(e.message));
});
ui.interrupt.addEventListener('click', () => {
  if (!model) return;
  log('app', 'interrupt', model.getPlaybackState());
  // "Stop talking": interrupt() also cancels the response, even when the session would cancel by
  // itself only on a detected barge-in.
  model.interrupt().catch((e: Error) => showError(e.message));
});
ui.mic.addEventListener('click', () => void (mic ? stopMic() : startMic()));
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && model) ui.interrupt.click();
});
setState('disconnected');
