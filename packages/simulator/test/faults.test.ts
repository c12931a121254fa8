// Fault injection (drop after N frames, drop mid-response, delayed frames, a malformed frame),
// the JSONL recording of every frame, and the CLI.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../src/index.js';
import { connect, installGuards, NO_VAD, userText } from './helpers.js';

installGuards();

describe('fault injection', () => {
  it('drops the socket without a close frame after N frames', async () => {
    const sim = await startSimulator({ pace: Infinity, faults: { dropAfterFrames: 2 } });
    const c = await connect(sim.url);
    c.send(NO_VAD);
    c.send(userText('x'));
    const closed = await c.waitClose();
    expect(closed.code).toBe(1006);
    expect(c.events).toHaveLength(2);
    await sim.close();
  });

  it('drops the socket in the middle of a response, per connection through the script', async () => {
    const sim = await startSimulator({
      pace: Infinity,
      script: (info) => (info.url.includes('flaky') ? { faults: { dropMidResponseAfterDeltas: 3 } } : {}),
    });
    const ok = await connect(sim.url);
    const c = await connect(sim.url + '&flaky');
    c.send(NO_VAD);
    c.send(userText('hello'));
    c.send({ type: 'response.create' });
    expect((await c.waitClose()).code).toBe(1006);
    expect(c.types().filter((t) => t === 'response.output_audio.delta')).toHaveLength(3);
    expect(c.types()).not.toContain('response.done');
    expect(ok.closed).toBeNull();
    ok.close();
    await sim.close();
  });

  it('delays frames but keeps their order', async () => {
    const sim = await startSimulator({ pace: Infinity, faults: { delayMs: 20 } });
    const c = await connect(sim.url);
    c.send(NO_VAD);
    c.send({ type: 'session.update', session: { type: 'realtime', instructions: 'two' } });
    const second = await c.next('session.updated', 0, 2);
    expect(second.session.instructions).toBe('two');
    expect(c.types()).toEqual(['session.created', 'session.updated', 'session.updated']);
    c.close();
    await sim.close();
  });

  it('sends one malformed frame after N frames and keeps going', async () => {
    const sim = await startSimulator({ pace: Infinity, faults: { malformedAfterFrames: 1 } });
    const c = await connect(sim.url);
    c.send(NO_VAD);
    await c.next('session.updated');
    expect(c.raw[1]).toBe('{"type":"response.output_audio.delta","delta":"AAAA');
    expect(() => JSON.parse(c.raw[1]!)).toThrow();
    expect(c.closed).toBeNull();
    c.close();
    await sim.close();
  });
});

describe('recording and CLI', () => {
  it('records every frame in and out as JSONL', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sim-')), 'frames.jsonl');
    const sim = await startSimulator({ pace: Infinity, record: file });
    const c = await connect(sim.url);
    c.send(NO_VAD);
    c.send(userText('recorded'));
    c.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    await c.next('response.done');
    c.close();
    await sim.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.dir === 'in').map((l) => l.data.type)).toEqual(['session.update', 'conversation.item.create', 'response.create']);
    expect(lines.filter((l) => l.dir === 'out')).toHaveLength(c.events.length);
    expect(lines.every((l) => typeof l.t === 'number')).toBe(true);
  });

  it('prints the URL it listens on from the CLI', async () => {
    const cli = join(import.meta.dirname, '..', 'src', 'cli.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', '--pace', 'Infinity'], { cwd: join(import.meta.dirname, '..') });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => { out += d; const m = /ws:\/\/\S+/.exec(out); if (m) resolve(m[0]); });
      child.on('exit', (code) => reject(new Error(`cli exited ${code}`)));
    });
    const c = await connect(url);
    expect(c.events[0]!.type).toBe('session.created');
    c.close();
    child.kill('SIGTERM');
  });
});
