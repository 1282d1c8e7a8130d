// The built binary (`node dist/main.js`; `npm test` builds first), spawned as a user would run it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const mainJs = path.join(root, 'dist/main.js');

/** The test runner's environment without OTEL_* (which would change the config), plus `env`. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  return { ...base, ...env };
}

export interface Cli {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the first match of `re` in a (past or future) line of the stream. */
  waitFor(stream: 'stdout' | 'stderr', re: RegExp): Promise<RegExpExecArray>;
  readonly exit: Promise<number | null>;
}

export function startCli(t: Test, args: string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, [mainJs, ...args], { cwd: root, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const waiters: { stream: 'stdout' | 'stderr'; re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    let rest = '';
    child[stream]?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        lines[stream].push(line);
        for (const w of [...waiters]) {
          const m = w.stream === stream ? w.re.exec(line) : null;
          if (m !== null) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(m);
          }
        }
      }
    });
  }
  // 'close' comes after the process exited and its stdio streams ended, so every line is in.
  const exit = once(child, 'close').then(([code]) => code as number | null);
  return {
    child,
    ...lines,
    exit,
    waitFor(stream, re) {
      for (const line of lines[stream]) {
        const m = re.exec(line);
        if (m !== null) return Promise.resolve(m);
      }
      return new Promise((resolve, reject) => {
        waiters.push({ stream, re, resolve });
        void exit.then((code) => reject(new Error(`exited (${code}) before ${re}; stderr:\n${lines.stderr.join('\n')}`)));
      });
    },
  };
}

export async function runCli(t: Test, args: string[], env: Record<string, string> = {}) {
  const cli = startCli(t, args, env);
  const code = await cli.exit;
  return { code, stdout: cli.stdout.join('\n'), stderr: cli.stderr.join('\n') };
}

/** Free loopback ports for every listener, so that tests never collide on the defaults. */
export const loopback = ['--grpc-endpoint', '127.0.0.1:0', '--http-endpoint', '127.0.0.1:0', '--admin-endpoint', '127.0.0.1:0'];

/** Starts the service on free loopback ports; returns the CLI and its bound addresses. */
export async function startService(t: Test, args: string[], env: Record<string, string> = {}) {
  const cli = startCli(t, [...loopback, ...args], env);
  const m = await cli.waitFor('stderr', /"msg":"listening grpc=(\S+) http=(\S+) admin=(\S+)"/);
  return { cli, grpc: m[1], http: m[2], admin: m[3] };
}

