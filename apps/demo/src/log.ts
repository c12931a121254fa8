// The demo's event log panel: every frame sent and received plus app events, filterable, capped in
// the DOM (the full list stays in memory, bounded) and downloadable as JSONL. Base64 audio is
// replaced by its length so the log stays small.
type Obj = Record<string, any>;

const el = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  log: el<HTMLOListElement>('log'), logCount: el('log-count'), logFilter: el<HTMLInputElement>('log-filter'),
  logAudio: el<HTMLInputElement>('log-audio'), logDownload: el<HTMLButtonElement>('log-download'), logClear: el<HTMLButtonElement>('log-clear'),
};

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

/** Adds an entry: `in` received from the server, `out` sent to it, `app` the page's own. */
export function log(dir: LogEntry['dir'], type: string, data: unknown): void {
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
