// Plumbing for the per-runtime conformance tests: bundles a runner with a runtime's export
// conditions (the resolution a user of that runtime gets; `@open-realtime/source` maps the
// conditions to src/), finds a runtime binary that arrived through its npm package's optional
// platform dependency, and runs a child process with a bound, killing it by its own pid.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import type { ConformanceReport } from './scenarios.js';

const clientDir = fileURLToPath(new URL('../..', import.meta.url));
const tempDirs: string[] = [];

/** A fresh temp directory, removed by removeTempDirs(). */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes every temp directory this process made (bundles, configs, stub projects). */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Bundles `runners/<runner>.ts` with the library imported by its package name, as a user's code
 * imports it, under the given esbuild options (conditions); returns the bundle's path.
 */
export async function bundleRunner(runner: string, options: BuildOptions): Promise<string> {
  const dir = makeTempDir('open-realtime-conformance-');
  const outfile = join(dir, `${runner}.mjs`);
  const contents = `import * as lib from '@open-realtime/client';\nimport { start } from './runners/${runner}.js';\nexport default start(lib);\n`;
  await build({
    stdin: { contents, resolveDir: fileURLToPath(new URL('.', import.meta.url)), sourcefile: `${runner}-entry.ts`, loader: 'ts' },
    bundle: true,
    format: 'esm',
    outfile,
    logLevel: 'silent',
    ...options,
    conditions: ['@open-realtime/source', ...(options.conditions ?? [])],
  });
  return outfile;
}

/** Where each runtime's npm package keeps its binary, per platform package. */
const BINARIES = {
  deno: () => ({ pkg: `@deno/${process.platform}-${process.arch}${process.platform === 'linux' ? '-glibc' : ''}`, file: 'deno' }),
  bun: () => ({ pkg: `@oven/bun-${process.platform}-${process.arch === 'arm64' ? 'aarch64' : 'x64'}`, file: 'bin/bun' }),
  workerd: () => ({ pkg: `@cloudflare/workerd-${process.platform}-${process.arch === 'x64' ? '64' : process.arch}`, file: 'bin/workerd' }),
};

/** A runnable binary, or why there is none (the test is then skipped with that reason). */
export type RuntimeBinary = { path: string; version: string; skip: null } | { path: null; version: null; skip: string };

/** Finds `runtime`'s binary in node_modules and checks that it runs on this machine. */
export function findRuntime(runtime: keyof typeof BINARIES): RuntimeBinary {
  const { pkg, file } = BINARIES[runtime]();
  let path: string;
  try {
    const wrapper = realpathSync(join(clientDir, 'node_modules', runtime));
    path = join(dirname(createRequire(join(wrapper, 'package.json')).resolve(`${pkg}/package.json`)), file);
  } catch {
    return { path: null, version: null, skip: `${runtime}: no ${pkg} in node_modules (npm package "${runtime}" not installed for ${process.platform}-${process.arch})` };
  }
  try {
    const output = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    const version = /\d+[.-]\d+[.-]\d+/.exec(output)?.[0] ?? output.trim();
    return { path, version, skip: null };
  } catch (error) {
    return { path: null, version: null, skip: `${runtime}: binary ${path} cannot run on this machine (${(error as Error).message.split('\n')[0]})` };
  }
}

/** A child's output; `exitCode` is null when it was killed at the bound. */
export interface ChildResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with exactly `env` (no inherited secrets); kills it after `timeoutMs`. */
export function runChild(command: string, args: string[], env: Record<string, string>, timeoutMs = 90_000): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => (clearTimeout(timer), reject(error)));
    child.on('close', (exitCode) => (clearTimeout(timer), resolve({ exitCode, stdout, stderr })));
  });
}

/** A long-running child (a workerd server): its output so far, and a stop that kills it. */
export interface ServerChild {
  output(): string;
  /** Resolves with the exit code once it stopped (null when it ended by the signal). */
  stop(): Promise<number | null>;
}

/** Starts a server process with exactly `env`; `stop` kills that process by its own handle. */
export function startServer(command: string, args: string[], env: Record<string, string>): ServerChild {
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    output: () => output,
    stop: () => (child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'), exited),
  };
}

/** Resolves once a TCP connection to 127.0.0.1:`port` succeeds; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > end) throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A loopback port that was free a moment ago (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const MARK = 'CONFORMANCE_REPORT ';

/** The report a CLI runner printed; throws with the child's output when it did not finish. */
export function parseReport(child: ChildResult, what: string): ConformanceReport {
  const line = child.stdout.split('\n').find((l) => l.startsWith(MARK));
  if (child.exitCode !== 0 || !line) {
    const why = child.exitCode === null ? 'did not exit by itself (killed at the bound)' : `exited with ${child.exitCode}`;
    throw new Error(`${what} ${why}${line ? '' : ', without a report'}\nstdout: ${child.stdout.slice(-2000)}\nstderr: ${child.stderr.slice(-2000)}`);
  }
  return JSON.parse(line.slice(MARK.length)) as ConformanceReport;
}

/** Writes a file next to a bundle (e.g. a workerd config). */
export function writeBeside(bundle: string, name: string, text: string): string {
  const path = join(dirname(bundle), name);
  writeFileSync(path, text);
  return path;
}
