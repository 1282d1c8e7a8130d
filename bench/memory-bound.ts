/**
 * Is memory bounded by --max-inflight-bytes when the upstream stops answering? Starts the built
 * service in front of an upstream that never answers, pushes 1 MiB requests from 64 concurrent
 * clients for a while, and samples the service's RSS. Run: `node --import tsx bench/memory-bound.ts`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

const MiB = 1024 * 1024;

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** A 1 MiB ExportTraceServiceRequest: one resource, one scope, spans with a padding attribute. */
function request(): Buffer {
  const field = (no: number, payload: Buffer): Buffer => {
    const len: number[] = [];
    for (let n = payload.length; ; n >>>= 7) {
      if (n < 0x80) {
        len.push(n);
        break;
      }
      len.push((n & 0x7f) | 0x80);
    }
    return Buffer.concat([Buffer.from([(no << 3) | 2]), Buffer.from(len), payload]);
  };
  const spans: Buffer[] = [];
  for (let i = 0; i < 1000; i++) {
    const attr = field(9, Buffer.concat([field(1, Buffer.from('pad')), field(2, field(1, Buffer.alloc(1000, 97)))]));
    spans.push(field(2, Buffer.concat([field(1, Buffer.alloc(16, i % 250 + 1)), field(2, Buffer.alloc(8, 7)), field(5, Buffer.from(`s${i}`)), attr])));
  }
  return field(1, Buffer.concat([field(1, field(1, Buffer.concat([field(1, Buffer.from('service.name')), field(2, field(1, Buffer.from('m')))]))), field(2, Buffer.concat(spans))]));
}

async function run(maxInflight: string, seconds: number): Promise<{ idle: number; peak: number; ok: number; refused: number }> {
  // An upstream that accepts streams and never answers.
  const hung = http2.createServer();
  hung.on('stream', () => undefined);
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  const upstream = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
  const child = spawn(process.execPath, ['dist/main.js', '--grpc-endpoint', '127.0.0.1:0', '--http-endpoint', '127.0.0.1:0',
    '--admin-endpoint', 'off', '--tags', 'env=bench', '--upstream', upstream, '--upstream-timeout', '5s',
    '--max-inflight-bytes', maxInflight, '--log-level', 'info'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const http = await new Promise<string>((resolve) => {
    let text = '';
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /http=(\S+?)[ "]/.exec(text);
      if (m) resolve(m[1]);
    });
    // --log-level warn hides the startup lines: find the port another way.
    setTimeout(() => resolve(''), 3000);
  });
  return { idle: rssMiB(child.pid as number), ...(await load(child.pid as number, http, seconds)) };

  async function load(pid: number, address: string, secs: number) {
    if (address === '') throw new Error('could not find the HTTP port');
    const body = request();
    let peak = rssMiB(pid);
    let ok = 0;
    let refused = 0;
    const until = performance.now() + secs * 1000;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 100);
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (performance.now() < until) {
          const response = await fetch(`http://${address}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body }).catch(() => undefined);
          if (response?.status === 429) {
            refused++;
            await new Promise((resolve) => setTimeout(resolve, 20));
          } else ok++;
          await response?.arrayBuffer().catch(() => undefined);
        }
      }),
    );
    clearInterval(sampler);
    child.kill('SIGKILL');
    hung.close();
    return { peak, ok, refused };
  }
}

const rows: string[] = ['| --max-inflight-bytes | idle RSS | peak RSS | answered (503 after the upstream timeout) | refused (429) |', '|---|---|---|---|---|'];
for (const bound of ['16MiB', '64MiB']) {
  const r = await run(bound, 12);
  rows.push(`| ${bound} | ${r.idle.toFixed(0)} MiB | ${r.peak.toFixed(0)} MiB | ${r.ok} | ${r.refused} |`);
}
console.log(`64 clients × 1 MiB requests for 12 s against an upstream that never answers (${MiB / MiB} MiB bodies)\n`);
console.log(rows.join('\n'));
