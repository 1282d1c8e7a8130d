/**
 * What a process costs, read from outside it (Linux /proc), so that every hop is measured the
 * same way whatever it is written in: CPU = utime + stime of all its threads (GC and libuv
 * included) from /proc/<pid>/stat, in clock ticks (10 ms); RSS = VmRSS from /proc/<pid>/status.
 * This is the Collector testbed's method (CPU time over wall time, RSS), without gopsutil.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14, stime 15 (proc(5)).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? Number.NaN : Number(match[1]) * 1024;
}

export function procAvailable(): boolean {
  try {
    cpuSeconds(process.pid);
    return true;
  } catch {
    return false;
  }
}

export interface SampleSummary {
  readonly rssAvgBytes: number;
  readonly rssMaxBytes: number;
  /** Highest CPU % of one core over any one-second step. */
  readonly cpuMaxPercent: number;
}

/** Samples RSS every 200 ms and CPU every second until stopped. */
export function startSampler(pid: number): { stop(): SampleSummary } {
  const rss: number[] = [];
  let cpuMax = 0;
  let lastCpu = cpuSeconds(pid);
  let lastAt = performance.now();
  let ticks = 0;
  const sample = (final = false): void => {
    try {
      rss.push(rssBytes(pid));
      if (++ticks % 5 === 0 || (final && performance.now() - lastAt > 300)) {
        const cpu = cpuSeconds(pid);
        const now = performance.now();
        cpuMax = Math.max(cpuMax, ((cpu - lastCpu) / ((now - lastAt) / 1000)) * 100);
        lastCpu = cpu;
        lastAt = now;
      }
    } catch {
      // The process is gone; the caller finds out.
    }
  };
  sample();
  const timer = setInterval(() => sample(), 200);
  return {
    stop(): SampleSummary {
      clearInterval(timer);
      sample(true);
      return {
        rssAvgBytes: rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length),
        rssMaxBytes: Math.max(...rss),
        cpuMaxPercent: cpuMax,
      };
    },
  };
}
