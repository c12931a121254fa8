// The published shape of @open-realtime/client: it builds to dist/ with .d.ts, publint and
// @arethetypeswrong/cli report no problem, and the export conditions keep `ws` out of the
// browser build and `window` out of the Node build.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const exampleDir = fileURLToPath(new URL('../../../apps/node-example', import.meta.url));
const bin = (name: string) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: 'pipe' });

async function bundleFor(platform: 'browser' | 'node'): Promise<string> {
  const result = await build({
    // Resolved from the Node example, which depends on the package as a user would.
    stdin: { contents: "import { OpenAIRealtimeWebSocketModel } from '@open-realtime/client'; console.log(OpenAIRealtimeWebSocketModel);", resolveDir: exampleDir },
    bundle: true,
    write: false,
    platform,
    format: 'esm',
  });
  return result.outputFiles[0]!.text;
}

describe('package', () => {
  it('builds, and publint and arethetypeswrong report no problem', () => {
    run(fileURLToPath(new URL('../../../node_modules/.bin/tsc', import.meta.url)), ['-p', 'tsconfig.build.json']);
    expect(readFileSync(`${root}/dist/index.d.ts`, 'utf8')).toContain('index.node.js');
    expect(run(bin('publint'), ['--pack', 'npm'])).toContain('All good');
    const attw = run(bin('attw'), ['--pack', '.', '--profile', 'esm-only', '--format', 'json']);
    const report = JSON.parse(attw.slice(attw.indexOf('{'))) as { analysis: { problems: unknown[] } };
    const problems = (report.analysis.problems ?? []).filter((p) => !['node10', 'node16-cjs'].includes((p as { resolutionKind?: string }).resolutionKind ?? ''));
    expect(problems).toEqual([]);
  }, 180_000);

  it('keeps ws out of the browser build and the browser transport out of the Node build', async () => {
    const browser = await bundleFor('browser');
    expect(browser).not.toMatch(/isomorphic-ws|require\("ws"\)|from"ws"|from "ws"/);
    expect(browser).toContain('openai-insecure-api-key.');
    const node = await bundleFor('node');
    expect(node).toContain('isomorphic-ws');
    expect(node).not.toContain('openai-insecure-api-key.');
  });
});
