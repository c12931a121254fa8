// The `exports` map picks the right entry in every runtime with nothing to configure. The package
// (its real package.json, with a stub module per dist file naming itself) is installed in a temp
// project, and each runtime's own resolver is asked which entry it loads: Node, Bun and Deno
// import it; esbuild resolves it with the browser's and Workers bundlers' conditions.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRuntime, makeTempDir, removeTempDirs, runChild } from './harness.js';

const clientDir = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(clientDir, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, any>>; sideEffects: boolean };
const root = pkg.exports['.']!;
const deno = findRuntime('deno');
const bun = findRuntime('bun');
let project: string;

/** A project with the package installed: every dist file referenced by `exports` exports its own name. */
function installStubPackage(): string {
  const dir = makeTempDir('open-realtime-exports-');
  const installed = join(dir, 'node_modules', '@open-realtime', 'client');
  const targets = Object.values(pkg.exports).flatMap((entry) => (typeof entry === 'string' ? [entry] : Object.values(entry).filter((v) => typeof v === 'string')));
  for (const target of targets.filter((t) => t.startsWith('./dist/') && t.endsWith('.js'))) {
    mkdirSync(dirname(join(installed, target)), { recursive: true });
    writeFileSync(join(installed, target), `export const entry = ${JSON.stringify(target)};\n`);
  }
  writeFileSync(join(installed, 'package.json'), JSON.stringify(pkg));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'exports-probe', type: 'module', dependencies: { '@open-realtime/client': '*' } }));
  writeFileSync(join(dir, 'main.mjs'), "const { entry } = await import('@open-realtime/client');\nconsole.log(entry);\n");
  return dir;
}

/** The entry a bundler picks with these options. */
async function bundledEntry(options: BuildOptions): Promise<string> {
  const result = await build({ entryPoints: [join(project, 'main.mjs')], bundle: true, write: false, format: 'esm', logLevel: 'silent', ...options });
  return /entry = "([^"]+)"/.exec(result.outputFiles![0]!.text)?.[1] ?? 'none';
}

beforeAll(() => {
  project = installStubPackage();
});
afterAll(removeTempDirs);

describe('export conditions', () => {
  it('lists types first, the runtimes before browser and node, default last, each with a source twin', () => {
    expect(Object.keys(root)).toEqual(['types', '@open-realtime/source', 'deno', 'bun', 'workerd', 'browser', 'node', 'default']);
    const source = root['@open-realtime/source'] as Record<string, string>;
    expect(Object.keys(source)).toEqual(['deno', 'bun', 'workerd', 'browser', 'default']);
    for (const runtime of ['deno', 'bun', 'workerd', 'browser']) {
      expect(root[runtime]).toBe(source[runtime]!.replace('./src/', './dist/').replace(/\.ts$/, '.js'));
    }
    expect(source.default).toBe('./src/index.node.ts');
    expect(pkg.sideEffects).toBe(false);
  });

  it('Node loads the node entry', async () => {
    const child = await runChild(process.execPath, [join(project, 'main.mjs')], {});
    expect(child.stdout.trim()).toBe('./dist/index.node.js');
  });

  it.skipIf(bun.skip !== null)(`Bun loads the bun entry${bun.skip ? ` (skipped: ${bun.skip})` : ''}`, async () => {
    const child = await runChild(bun.path!, [join(project, 'main.mjs')], {});
    expect(child.stdout.trim()).toBe('./dist/index.bun.js');
  });

  it.skipIf(deno.skip !== null)(`Deno loads the deno entry${deno.skip ? ` (skipped: ${deno.skip})` : ''}`, async () => {
    const args = ['run', '--no-prompt', '--node-modules-dir=manual', `--allow-read=${project}`, join(project, 'main.mjs')];
    const child = await runChild(deno.path!, args, { DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(project, '.deno') });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('./dist/index.deno.js');
  });

  it('browser bundlers get the browser entry, Workers bundlers the workerd entry, bare resolvers the browser one', async () => {
    expect(await bundledEntry({ platform: 'browser' })).toBe('./dist/index.browser.js');
    expect(await bundledEntry({ platform: 'neutral', conditions: ['workerd', 'worker', 'browser'] })).toBe('./dist/index.workerd.js');
    expect(await bundledEntry({ platform: 'neutral' })).toBe('./dist/index.browser.js');
  });
});
