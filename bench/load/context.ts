/**
 * What every load scenario shares: the built children, one sink for the whole run, whether
 * h2load is there, the tagger's flags, and the run's time budget (`--quick` halves it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildChildren, registerCleanup, repoRoot, startSink, type Built, type Sink } from './processes.js';
import { procAvailable } from './proc-stats.js';

export interface BenchContext {
  readonly built: Built;
  readonly sink: Sink;
  /** `h2load nghttp2/1.52.0`, or undefined when h2load is not installed. */
  readonly h2load: string | undefined;
  /** otlp-tagger's `--help`, to know which flags this build has. */
  readonly taggerHelp: string;
  /** Multiplies every warm-up and measured duration. */
  readonly timeScale: number;
  readonly print: (line: string) => void;
}

export function h2loadVersion(): string | undefined {
  try {
    return execFileSync('h2load', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export const taggerMain = path.join(repoRoot, 'dist/main.js');
/**
 * Node flags otlp-tagger runs with as shipped (the image's ENTRYPOINT, `npm start`): without
 * V8's memory reducer, which after an idle spell leaves the heap limit so tight that a busy hop
 * runs a mark-compact every ~50 ms (docs/bench/memory-reducer.md).
 */
export const taggerNodeFlags: readonly string[] = ['--no-memory-reducer'];

let shared: Promise<BenchContext> | undefined;

/** Built and started on first use; `closeContext` stops the sink. */
export function getContext(options: { quick: boolean; print: (line: string) => void }): Promise<BenchContext> {
  shared ??= (async () => {
    if (!procAvailable()) throw new Error('the load benchmark reads /proc/<pid>/stat and /proc/<pid>/status: Linux only');
    if (!existsSync(taggerMain)) throw new Error(`${taggerMain} is missing: run \`npm run build\` first (npm run bench does)`);
    registerCleanup();
    const built = await buildChildren();
    const sink = await startSink(built);
    const taggerHelp = execFileSync(process.execPath, [taggerMain, '--help'], { encoding: 'utf8' });
    return { built, sink, h2load: h2loadVersion(), taggerHelp, timeScale: options.quick ? 0.5 : 1, print: options.print };
  })();
  return shared;
}

export async function closeContext(): Promise<void> {
  if (shared === undefined) return;
  const context = await shared.catch(() => undefined);
  shared = undefined;
  await context?.sink.stop();
}

/** Machine facts for the top of the results. */
export function machineLines(): string[] {
  const cpus = os.cpus();
  const [one, five, fifteen] = os.loadavg();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // Not a git checkout.
  }
  return [
    `- Date: ${new Date().toISOString()}; commit ${commit} (plus the working tree)`,
    `- CPU: ${cpuSummary()}; memory ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} ${os.arch()}; Node ${process.version}; ${h2loadVersion() ?? 'h2load not installed (Node generator used for saturation)'}`,
    `- Load average at start (1/5/15 min): ${one.toFixed(2)} / ${five.toFixed(2)} / ${fifteen.toFixed(2)}${one > cpus.length * 0.5 ? ' — **the machine was busy: absolute numbers are noisy; ratios within one run hold better**' : ''}`,
  ];
}

export function cpuSummary(): string {
  return `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} logical CPUs`;
}

/**
 * CPU time a Node process spends per wake-up from idle (a 5 ms timer, 100 times): the floor
 * under every request at a low rate, where each one wakes the hop several times (request,
 * upstream answer, writes). Virtual machines can make it large; it is printed with the results
 * so that fixed-rate CPU % can be read against it.
 */
export async function wakeupMicros(): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < 100; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 100;
}

export function loadAverageNow(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}
