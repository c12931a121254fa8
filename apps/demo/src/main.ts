// The demo page: one OpenAIRealtimeWebSocketModel, a WebAudioPlayer as its playback tracker and a
// MicrophoneCapture, wired the way an app would. No framework: small render functions per panel.
import { OpenAIRealtimeWebSocketModel, type RealtimeItem } from '@open-realtime/client';
import { attachPlayer, CaptureError, MicrophoneCapture, WebAudioPlayer } from '@open-realtime/client/web-audio';

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
  log: el<HTMLOListElement>('log'), logCount: el('log-count'), logFilter: el<HTMLInputElement>('log-filter'),
  logAudio: el<HTMLInputElement>('log-audio'), logDownload: el<HTMLButtonElement>('log-download'), logClear: el<HTMLButtonElement>('log-clear'),
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
let state: 'disconnected' | 'connecting' | 'connected' = 'disconnected';

function setState(next: typeof state): void {
  state = next;
  ui.status.textContent = { disconnected: 'Disconnected', connecting: 'Connecting…', connected: 'Connected' }[next];
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

// --- event log ---------------------------------------------------------------------------------
interface LogEntry { t: number; dir: 'in' | 'out' | 'app'; type: string; data: unknown }
const logEntries: LogEntry[] = [];
const LOG_DOM_MAX = 400;
const t0 = performance.now();
const isAudioDelta = (type: string) => type === 'response.output_audio.delta' || type === 'input_audio_buffer.append';

/** Base64 audio is replaced by its length, so the log stays small. */
function slim(data: unknown): unknown {
  if (data && typeof data === 'object' && typeof (data as Obj).audio === 'string') return { ...(data as Obj), audio: `<${(data as Obj).audio.length} base64 chars>` };
  if (data && typeof data === 'object' && typeof (data as Obj).delta === 'string' && (data as Obj).type === 'response.output_audio.delta')
    return { ...(data as Obj), delta: `<${(data as Obj).delta.length} base64 chars>` };
  return data;
}

function log(dir: LogEntry['dir'], type: string, data: unknown): void {
  const entry = { t: Math.round(performance.now() - t0), dir, type, data: slim(data) };
  logEntries.push(entry);
  if (logEntries.length > 20000) logEntries.splice(0, 5000);
  if (matches(entry)) appendLog(entry);
  ui.logCount.textContent = `(${logEntries.length})`;
}

function matches(e: LogEntry): boolean {
  if (!ui.logAudio.checked && isAudioDelta(e.type)) return false;
  const q = ui.logFilter.value.trim().toLowerCase();
  return !q || e.type.toLowerCase().includes(q) || JSON.stringify(e.data).toLowerCase().includes(q);
}

function appendLog(e: LogEntry): void {
  const li = document.createElement('li');
  li.className = `ev ${e.dir}`;
  const details = document.createElement('details');
  const summary = document.createElement('summary');
  summary.innerHTML = `<span class="t"></span><span class="dir"></span><span class="type"></span>`;
  summary.children[0]!.textContent = `${(e.t / 1000).toFixed(2)}s`;
  summary.children[1]!.textContent = e.dir === 'in' ? '⇣' : e.dir === 'out' ? '⇡' : '•';
  summary.children[1]!.setAttribute('aria-label', e.dir === 'in' ? 'received' : e.dir === 'out' ? 'sent' : 'app');
  summary.children[2]!.textContent = e.type;
  const pre = document.createElement('pre');
  details.append(summary, pre);
  details.addEventListener('toggle', () => { if (details.open && !pre.textContent) pre.textContent = JSON.stringify(e.data, null, 2); }, { once: false });
  li.append(details);
  const stick = ui.log.scrollTop + ui.log.clientHeight >= ui.log.scrollHeight - 8;
  ui.log.append(li);
  while (ui.log.childElementCount > LOG_DOM_MAX) ui.log.firstElementChild!.remove();
  if (stick) ui.log.scrollTop = ui.log.scrollHeight;
}

function rerenderLog(): void {
  ui.log.replaceChildren();
  const shown = logEntries.filter(matches);
  for (const e of shown.slice(-LOG_DOM_MAX)) appendLog(e);
}
ui.logFilter.addEventListener('input', rerenderLog);
ui.logAudio.addEventListener('change', rerenderLog);
ui.logClear.addEventListener('click', () => { logEntries.length = 0; ui.logCount.textContent = ''; rerenderLog(); });
ui.logDownload.addEventListener('click', () => {
  const body = logEntries.filter(matches).map((e) => JSON.stringify(e)).join('\n') + '\n';
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([body], { type: 'application/x-ndjson' }));
  a.download = `realtime-events-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
});

// --- transcripts -------------------------------------------------------------------------------
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
  if (l.heard !== null) {
    const heard = document.createElement('span');
    heard.className = 'heard';
    heard.textContent = l.heard;
    const rest = document.createElement('span');
    rest.className = 'unheard';
    rest.title = 'Not heard: playback was interrupted';
    rest.textContent = l.text.startsWith(l.heard) ? l.text.slice(l.heard.length) : '';
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = `cut at ${l.cutMs} ms`;
    body.append(heard, rest, ' ', badge);
  } else body.textContent = l.text || '…';
  l.li.replaceChildren(who, body);
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
}

function setLineText(itemId: string, role: string, text: string): void {
  const l = line(itemId, role);
  l.text = text;
  renderLine(l);
}

/** The words heard before `ms`, proportional to the item's received audio. */
function heardPart(text: string, ms: number, receivedMs: number): string {
  if (receivedMs <= 0) return '';
  const cut = Math.round(text.length * Math.min(1, ms / receivedMs));
  if (cut >= text.length) return text;
  const space = text.lastIndexOf(' ', cut);
  return space > 0 ? text.slice(0, space) : '';
}

// --- playback timeline -------------------------------------------------------------------------
interface Row { tr: HTMLTableRowElement; receivedMs: number; playedMs: number; truncatedMs: number | null }
const rows = new Map<string, Row>();
function row(itemId: string): Row {
  let r = rows.get(itemId);
  if (!r) {
    const tr = document.createElement('tr');
    tr.dataset.itemId = itemId;
    tr.innerHTML = '<th scope="row"></th><td class="received"></td><td class="played"></td><td class="truncated"></td>';
    tr.children[0]!.textContent = itemId.slice(-8);
    tr.children[0]!.setAttribute('title', itemId);
    r = { tr, receivedMs: 0, playedMs: 0, truncatedMs: null };
    rows.set(itemId, r);
    ui.timeline.tBodies[0]!.append(tr);
  }
  return r;
}
let timelineQueued = false;
function renderTimeline(): void {
  if (timelineQueued) return;
  timelineQueued = true;
  requestAnimationFrame(() => {
    timelineQueued = false;
    for (const r of rows.values()) {
      r.tr.children[1]!.textContent = String(Math.round(r.receivedMs));
      r.tr.children[2]!.textContent = String(Math.round(r.playedMs));
      r.tr.children[3]!.textContent = r.truncatedMs === null ? '—' : String(r.truncatedMs);
    }
  });
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
    case 'conversation.item.truncated': {
      const r = row(e.item_id);
      r.truncatedMs = e.audio_end_ms;
      renderTimeline();
      const l = lines.get(e.item_id);
      if (l) {
        l.cutMs = e.audio_end_ms;
        l.heard = heardPart(l.text, e.audio_end_ms, r.receivedMs);
        renderLine(l);
      }
      break;
    }
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
    // The server may later report the transcript trimmed to what was heard: keep both parts.
    if (l.heard !== null && text && text.length < l.text.length && l.text.startsWith(text)) l.heard = text;
    else if (text.length > l.text.length) l.text = text;
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
    p.on('position', ({ itemId, ms }) => { const r = row(itemId); r.playedMs = Math.max(r.playedMs, ms); renderTimeline(); });
    p.on('level', ({ rms }) => { ui.outLevel.value = Math.min(1, rms * 4); });

    const m = new OpenAIRealtimeWebSocketModel({ createWebSocket: loggingSocket });
    model = m;
    m.on('connection_status', ({ status }) => {
      if (m !== model) return;
      if (status === 'disconnected') teardown();
      else setState(status);
    });
    m.on('raw_server_event', ({ data }) => { log('in', (data as Obj)?.type ?? 'unknown', data); onServerEvent(data as Obj); });
    attachPlayer(m, p); // audio → player, item and response ends, interrupts
    m.on('audio', ({ data, itemId }) => {
      row(itemId).receivedMs += data.byteLength / 48; // pcm16 mono 24 kHz: 48 bytes per ms
      renderTimeline();
    });
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
      playbackTracker: p,
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
  // forceResponseCancel: the button means "stop talking", so the response is cancelled even
  // when the session would only cancel by itself on a detected barge-in.
  model.interrupt({ forceResponseCancel: true }).catch((e: Error) => showError(e.message));
});
ui.mic.addEventListener('click', () => void (mic ? stopMic() : startMic()));
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && model) ui.interrupt.click();
});
setState('disconnected');
