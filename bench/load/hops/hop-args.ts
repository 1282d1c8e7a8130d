/**
 * The command line every competing hop shares, so that the harness starts them alike:
 *
 *   node <hop> --listen 127.0.0.1:0 --upstream 127.0.0.1:PORT [--protocol grpc|http]
 *              [--compression none|gzip] [--tags k=v,...]
 *
 * Once listening, a hop writes `listening grpc=HOST:PORT http=off` (or the other way round) on
 * stderr, the shape of otlp-tagger's own startup line, and it exits on SIGTERM or when stdin
 * closes (the harness's pipe), so that no hop outlives the harness.
 */
export interface HopArgs {
  readonly host: string;
  readonly port: number;
  readonly upstreamHost: string;
  readonly upstreamPort: number;
  readonly protocol: 'grpc' | 'http';
  readonly compression: 'none' | 'gzip';
  readonly tags: ReadonlyArray<readonly [key: string, value: string]>;
}

function hostPort(value: string, flag: string): [string, number] {
  const at = value.lastIndexOf(':');
  const port = Number(value.slice(at + 1));
  if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${flag}: expected HOST:PORT, got ${value}`);
  return [value.slice(0, at), port];
}

export function parseHopArgs(argv: readonly string[]): HopArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) throw new Error(`unexpected argument ${argv[i]}`);
    values.set(argv[i].slice(2), argv[i + 1]);
  }
  const [host, port] = hostPort(values.get('listen') ?? '127.0.0.1:0', '--listen');
  const upstream = values.get('upstream');
  if (upstream === undefined) throw new Error('--upstream HOST:PORT is required');
  const [upstreamHost, upstreamPort] = hostPort(upstream.replace(/^https?:\/\//, ''), '--upstream');
  const protocol = values.get('protocol') ?? 'grpc';
  if (protocol !== 'grpc' && protocol !== 'http') throw new Error(`--protocol: grpc or http, got ${protocol}`);
  const compression = values.get('compression') ?? 'none';
  if (compression !== 'none' && compression !== 'gzip') throw new Error(`--compression: none or gzip, got ${compression}`);
  const tags = (values.get('tags') ?? '')
    .split(',')
    .filter((pair) => pair !== '')
    .map((pair): [string, string] => {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`--tags: expected k=v, got ${pair}`);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    });
  return { host, port, upstreamHost, upstreamPort, protocol, compression, tags };
}

export function announce(protocol: 'grpc' | 'http', host: string, port: number): void {
  const endpoint = `${host}:${port}`;
  process.stderr.write(`listening grpc=${protocol === 'grpc' ? endpoint : 'off'} http=${protocol === 'http' ? endpoint : 'off'}\n`);
}

/** Exit on SIGTERM / SIGINT, and when the harness goes away (its end of our stdin closes). */
export function exitWithHarness(close: () => void = () => {}): void {
  const exit = () => {
    close();
    process.exit(0);
  };
  process.on('SIGTERM', exit);
  process.on('SIGINT', exit);
  process.stdin.on('end', exit);
  process.stdin.on('error', exit);
  process.stdin.resume();
}

export function runHop(main: (args: HopArgs) => Promise<void>): void {
  main(parseHopArgs(process.argv.slice(2))).catch((err: unknown) => {
    process.stderr.write(`hop failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
