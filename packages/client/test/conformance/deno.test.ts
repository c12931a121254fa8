// Transport conformance in Deno: the library bundled with Deno's conditions (`deno`: the native
// WebSocket with handshake headers), run by the `deno` binary from the npm package with only
// loopback network and OPENAI_API_KEY env access. A second run without env access checks that
// the missing permission makes connect() refuse plainly instead of crashing or prompting.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { KEYS, describeConformance } from './contract.js';
import { bundleRunner, findRuntime, parseReport, removeTempDirs, runChild } from './harness.js';
import type { ConformanceConfig } from './scenarios.js';

const deno = findRuntime('deno');
const DENO_ENV = { OPENAI_API_KEY: KEYS.environment, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' };
afterAll(removeTempDirs);

async function bundle(): Promise<string> {
  const file = await bundleRunner('cli', { platform: 'neutral', mainFields: ['module', 'main'], conditions: ['deno', 'node'] });
  const text = readFileSync(file, 'utf8');
  if (text.includes('isomorphic-ws') || !text.includes('--allow-env=OPENAI_API_KEY')) throw new Error('the deno condition did not select the Deno transport');
  return file;
}

async function runDeno(config: ConformanceConfig, permissions: string[]) {
  const file = await bundle();
  return runChild(deno.path!, ['run', '--no-prompt', ...permissions, file, JSON.stringify(config)], DENO_ENV);
}

describeConformance({
  name: `deno ${deno.version ?? ''}`.trim(),
  skip: deno.skip,
  auth: 'headers',
  // Deno replaces any User-Agent with its own: seeing it proves the native socket, not `ws`, ran.
  userAgent: /^Deno\/2\.\d+\.\d+$/,
  readsEnvKey: true,
  apiKey: KEYS.server,
  badApiKey: 'sk-refused',
  run: async (config) => parseReport(await runDeno(config, ['--allow-net=127.0.0.1', '--allow-env=OPENAI_API_KEY']), 'deno'),
});

describe.skipIf(deno.skip !== null)(`deno without env permission${deno.skip ? ` (skipped: ${deno.skip})` : ''}`, () => {
  it('refuses connect() without apiKey with missing_api_key and a hint, and never reads the environment', async () => {
    // connect() must refuse before opening a socket, so the URL is never contacted.
    const url = 'ws://127.0.0.1:9/v1/realtime';
    const config: ConformanceConfig = { url, unreachableUrl: url, apiKey: KEYS.server, badApiKey: 'sk-refused', scenarios: ['env_key'] };
    const child = await runDeno(config, ['--allow-net=127.0.0.1']);
    const report = parseReport(child, 'deno without --allow-env');
    expect(report.env_key.data).toMatchObject({ connected: false, rejected: 'missing_api_key' });
    expect(report.env_key.data.message).toContain('--allow-env=OPENAI_API_KEY');
    expect(child.stderr).not.toMatch(/NotCapable|PermissionDenied|Uncaught/);
  });
});
