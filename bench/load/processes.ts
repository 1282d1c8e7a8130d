/**
 * The harness's child processes: building them, starting them, talking to them, and making
 * sure none outlives the harness (killed on exit, on SIGINT/SIGTERM and on error).
 *
 * The children run as plain JavaScript: bench/load's entry points are bundled once with esbuild
 * (tsx's own dependency) into bench/results/.build, packages left external. Running them
 * through the tsx loader instead would add about 45 MiB to every hop's RSS and skew the
 * comparison; that is only the fallback when esbuild cannot be loaded, and it is reported.
 */
import { spawn, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GeneratorOptions, GeneratorResult } from './generator.js';
import type { SinkCommand, SinkCounts, SinkMessage } from './sink.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const resultsDir = path.join(repoRoot, 'bench/results');
const buildDir = path.join(resultsDir, '.build');
const loadDir = path.join(repoRoot, 'bench/load');

export const hopScripts = ['identity-http2', 'identity-grpcjs', 'naive-protobufjs', 'tagger-core-http2'] as const;
export type HopScript = (typeof hopScripts)[number];

export interface Built {
  /** How children run: bundled JavaScript, or TypeScript through the tsx loader. */
  readonly mode: 'bundled' | 'tsx';
  readonly sink: string;
  readonly generator: string;
  readonly hops: Readonly<Record<HopScript, string>>;
  readonly execArgv: readonly string[];
}

interface Esbuild {
  build(options: Record<string, unknown>): Promise<unknown>;
}

export async function buildChildren(): Promise<Built> {
  mkdirSync(buildDir, { recursive: true });
  const entries: Record<string, string> = {
    sink: path.join(loadDir, 'sink.ts'),
    generator: path.join(loadDir, 'generator.ts'),
  };
  for (const hop of hopScripts) entries[hop] = path.join(loadDir, 'hops', `${hop}.ts`);
  try {
    const esbuild = (await import('esbuild')) as unknown as Esbuild;
    await esbuild.build({
      entryPoints: entries,
      outdir: buildDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    const at = (name: string) => path.join(buildDir, `${name}.mjs`);
    return {
      mode: 'bundled',
      sink: at('sink'),
      generator: at('generator'),
      hops: Object.fromEntries(hopScripts.map((h) => [h, at(h)])) as Record<HopScript, string>,
      execArgv: [],
    };
  } catch (err) {
    process.stderr.write(`bench: cannot bundle the children with esbuild (${(err as Error).message}); running them through tsx, which adds ~45 MiB RSS to each\n`);
    return {
      mode: 'tsx',
      sink: entries.sink,
      generator: entries.generator,
      hops: Object.fromEntries(hopScripts.map((h) => [h, entries[h]])) as Record<HopScript, string>,
      execArgv: ['--import', 'tsx'],
    };
  }
}

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function killAllChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

let cleanupRegistered = false;
/** Children die with the harness, however it ends. */
export function registerCleanup(): void {
  if (cleanupRegistered) return;
  cleanupRegistered = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

export function stopChild(child: ChildProcess, graceMillis = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMillis);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Keeps the last lines a child wrote, for error messages. */
function tail(stream: NodeJS.ReadableStream | null, keep = 20): () => string {
  const lines: string[] = [];
  stream?.setEncoding?.('utf8');
  stream?.on('data', (chunk: string) => {
    lines.push(...chunk.split('\n').filter((l) => l !== ''));
    if (lines.length > keep) lines.splice(0, lines.length - keep);
  });
  return () => lines.join('\n');
}

// ---- sink -------------------------------------------------------------------------------------

export interface Sink {
  readonly pid: number;
  readonly grpcPort: number;
  readonly httpPort: number;
  reset(): void;
  counts(): Promise<SinkCounts>;
  stop(): Promise<void>;
}

export async function startSink(built: Built): Promise<Sink> {
  const child = track(fork(built.sink, [], { execArgv: [...built.execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const waiting: ((m: SinkMessage) => void)[] = [];
  child.on('message', (m: SinkMessage) => waiting.shift()?.(m));
  const next = (): Promise<SinkMessage> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`sink exited (${code})`));
      child.once('exit', onExit);
      waiting.push((m) => {
        child.off('exit', onExit);
        resolve(m);
      });
    });
  const ready = await next();
  if (ready.type !== 'ready') throw new Error('sink: unexpected first message');
  const send = (command: SinkCommand) => child.send(command);
  return {
    pid: child.pid as number,
    grpcPort: ready.grpcPort,
    httpPort: ready.httpPort,
    reset: () => send({ type: 'reset' }),
    async counts() {
      const reply = next();
      send({ type: 'counts' });
      const m = await reply;
      if (m.type !== 'counts') throw new Error('sink: unexpected reply');
      return m;
    },
    stop: () => stopChild(child),
  };
}

// ---- hops -------------------------------------------------------------------------------------

export interface HopProcess {
  readonly pid: number;
  readonly grpcPort?: number;
  readonly httpPort?: number;
  stop(): Promise<void>;
  /** Its last lines on stderr. */
  log(): string;
}

/** Starts `node <args>` and waits for its `listening grpc=… http=…` line (stderr or stdout). */
export function startListening(nodeArgs: readonly string[], execArgv: readonly string[] = [], timeoutMillis = 20_000): Promise<HopProcess> {
  const child = track(spawn(process.execPath, [...execArgv, ...nodeArgs], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] }));
  const stderr = tail(child.stderr);
  const stdout = tail(child.stdout);
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`no "listening" line within ${timeoutMillis} ms`)), timeoutMillis);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(nodeArgs[0])}: ${err.message}\n${stderr()}\n${stdout()}`));
    };
    const onData = (chunk: Buffer | string) => {
      seen += String(chunk);
      const match = /listening grpc=([^\s"]+) http=([^\s"]+)/.exec(seen);
      if (match === null) {
        if (seen.length > 65536) seen = seen.slice(-4096);
        return;
      }
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      const port = (endpoint: string) => (endpoint === 'off' ? undefined : Number(endpoint.slice(endpoint.lastIndexOf(':') + 1)));
      resolve({ pid: child.pid as number, grpcPort: port(match[1]), httpPort: port(match[2]), stop: () => stopChild(child), log: stderr });
    };
    const onExit = (code: number | null) => fail(new Error(`exited (${code}) before listening`));
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

// ---- generator --------------------------------------------------------------------------------

export interface WindowHooks {
  onMeasureStart?(): void;
  onMeasureEnd?(): void;
}

export function runGenerator(built: Built, options: GeneratorOptions, argsOf: (o: GeneratorOptions) => string[], hooks: WindowHooks = {}): Promise<GeneratorResult> {
  const child = track(spawn(process.execPath, [...built.execArgv, built.generator, ...argsOf(options)], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] }));
  const stderr = tail(child.stderr);
  const limitMillis = (options.warmupSeconds + options.durationSeconds + 60) * 1000;
  return new Promise((resolve, reject) => {
    let result: GeneratorResult | undefined;
    let buffered = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMillis);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        let event: { event?: string };
        try {
          event = JSON.parse(line) as { event?: string };
        } catch {
          continue;
        }
        if (event.event === 'measure-start') hooks.onMeasureStart?.();
        else if (event.event === 'measure-end') hooks.onMeasureEnd?.();
        else if (event.event === 'result') result = event as GeneratorResult;
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (result !== undefined) resolve(result);
      else reject(new Error(`generator ended (${code ?? signal}) without a result${signal === 'SIGKILL' ? ` (time limit ${limitMillis} ms)` : ''}\n${stderr()}`));
    });
  });
}

// ---- h2load -----------------------------------------------------------------------------------

export interface H2loadResult {
  readonly seconds: number;
  readonly total: number;
  readonly done: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly errored: number;
  readonly timeout: number;
  /** Mean "time for request", milliseconds. */
  readonly meanMillis: number;
  readonly maxMillis: number;
}

const unitMillis: Readonly<Record<string, number>> = { us: 1e-3, ms: 1, s: 1000 };
function millis(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value);
  return m === null ? Number.NaN : Number(m[1]) * unitMillis[m[2]];
}

export function parseH2load(output: string): H2loadResult {
  const finished = /finished in ([\d.]+)(us|ms|s),/.exec(output);
  const requests = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(output);
  if (finished === null || requests === null) throw new Error(`cannot read h2load's output:\n${output}`);
  const time = /time for request:\s+(\S+)\s+(\S+)\s+(\S+)/.exec(output);
  const n = (i: number) => Number(requests[i]);
  return {
    seconds: millis(`${finished[1]}${finished[2]}`) / 1000,
    total: n(1),
    done: n(3),
    succeeded: n(4),
    failed: n(5),
    errored: n(6),
    timeout: n(7),
    meanMillis: time === null ? Number.NaN : millis(time[3]),
    maxMillis: time === null ? Number.NaN : millis(time[2]),
  };
}

/** `h2load -c C -m M -n N --data FILE` against the OTLP trace Export method (h2c). */
export function runH2load(port: number, dataFile: string, requests: number, connections: number, streams: number, timeoutMillis: number): Promise<H2loadResult> {
  const args = [
    '-c', String(connections),
    '-m', String(streams),
    '-n', String(requests),
    `--data=${dataFile}`,
    '-H', 'content-type: application/grpc',
    '-H', 'te: trailers',
    `http://127.0.0.1:${port}/opentelemetry.proto.collector.trace.v1.TraceService/Export`,
  ];
  const child = track(spawn('h2load', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== null) reject(new Error(`h2load killed (${signal}) after ${timeoutMillis} ms`));
      else if (code !== 0) reject(new Error(`h2load exited ${code}:\n${output}`));
      else {
        try {
          resolve(parseH2load(output));
        } catch (err) {
          reject(err as Error);
        }
      }
    });
  });
}
