/**
 * Nothing acknowledged is lost, even to SIGKILL: the built binary in queue mode with a persistent
 * queue acknowledges while the upstream is down, is killed under load, and on restart delivers
 * every acknowledged span (duplicates allowed, counted).
 */
import path from 'node:path';
import t from 'tap';
import { buildRequest } from '../helpers/build-request.js';
import { startService } from '../helpers/cli-process.js';
import { decodeRequest } from '../helpers/reference-codec.js';
import { unusedPort } from '../helpers/unused-port.js';
import { startGrpcUpstream } from '../helpers/upstream-grpc.js';

type Plain = Record<string, unknown>;

function spanIds(bytes: Uint8Array): string[] {
  const decoded = decodeRequest('traces', bytes) as { resourceSpans?: Plain[] };
  return (decoded.resourceSpans ?? []).flatMap((rs) =>
    ((rs.scopeSpans ?? []) as Plain[]).flatMap((ss) => ((ss.spans ?? []) as Plain[]).map((s) => String(s.spanId))),
  );
}

t.test('SIGKILL under load, restart with the persistent queue: every acknowledged span arrives', async (t) => {
  const queueDir = path.join(t.testdir({}), 'queue');
  const downPort = await unusedPort();
  const common = ['--delivery', 'queue', '--queue-dir', queueDir, '--upstream-protocol', 'grpc', '--tags', 'env=uat'];

  // 1. The upstream is down: every request is acknowledged from the queue.
  const first = await startService(t, [...common, '--upstream', `http://127.0.0.1:${downPort}`]);
  const acknowledged = new Set<string>();
  let refused = 0;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < 60; i++) {
    const body = buildRequest('traces', { items: [`a${i}`, `b${i}`, `c${i}`] });
    sends.push(
      fetch(`http://${first.http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body })
        .then((response) => {
          if (response.status === 200) for (const id of spanIds(body)) acknowledged.add(id);
          else refused++;
        })
        .catch(() => {
          refused++;
        }),
    );
    // Kill while requests are still arriving.
    if (i === 45) {
      await Promise.all(sends.splice(0, 40));
      first.cli.child.kill('SIGKILL');
    }
  }
  await Promise.all(sends);
  await first.cli.exit;
  t.ok(acknowledged.size >= 40 * 3, `${acknowledged.size} spans acknowledged before the kill (${refused} requests refused)`);

  // 2. Restart against a working upstream: the queue replays.
  const upstream = await startGrpcUpstream(t);
  await startService(t, [...common, '--upstream', upstream.url]);
  const delivered = new Map<string, number>();
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    delivered.clear();
    for (const request of upstream.requests) for (const id of spanIds(request.body)) delivered.set(id, (delivered.get(id) ?? 0) + 1);
    if ([...acknowledged].every((id) => delivered.has(id))) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const missing = [...acknowledged].filter((id) => !delivered.has(id));
  t.same(missing, [], 'every acknowledged span reached the upstream');
  const duplicates = [...delivered.values()].reduce((n, c) => n + c - 1, 0);
  t.comment(`acknowledged ${acknowledged.size}, delivered ${delivered.size}, duplicates ${duplicates}, refused requests ${refused}`);
  t.ok(duplicates <= 3 * 60, 'duplicates bounded by what was in flight');
  t.ok(
    upstream.requests.every((r) => decodeRequest('traces', r.body) !== undefined),
    'everything forwarded decodes',
  );
});
