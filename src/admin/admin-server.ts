/**
 * The admin endpoint (`--admin-endpoint`, default 0.0.0.0:13133, the Collector's health_check
 * port): liveness, readiness and Prometheus metrics, on plain node:http since three read-only
 * routes need no framework.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, TaggerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { formatEndpoint, parseEndpoint } from '../receiver/endpoint.js';
import type { Metrics } from '../telemetry/metrics.js';

export interface AdminServerOptions {
  readonly endpoint: string;
  readonly metrics: Metrics;
  /** Listening and not shutting down: whether a load balancer should send traffic. */
  readonly isReady: () => boolean;
  readonly logger: Logger;
}

export interface AdminServer {
  /** Binds; resolves with the bound `host:port`, rejects (ErrorCode.CONFIG) when it cannot. */
  start(): Promise<string>;
  /** Closes the listener and its connections. Safe without start() and more than once. */
  shutdown(): Promise<void>;
}

const routes = new Set(['/healthz', '/readyz', '/metrics']);

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  // Node leaves the body out of answers to HEAD.
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value));
}

export function createAdminServer(options: AdminServerOptions): AdminServer {
  const { metrics, isReady, logger } = options;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Always set on requests an http.Server receives.
    const path = (req.url as string).split('?')[0];
    if (!routes.has(path)) return sendJson(res, 404, { error: `no admin endpoint at ${path}` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `method ${req.method} not allowed, supported: [GET, HEAD]` });
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') return isReady() ? sendJson(res, 200, { status: 'ready' }) : sendJson(res, 503, { status: 'not ready' });
    try {
      const text = await metrics.registry.metrics();
      send(res, 200, metrics.registry.contentType, text);
    } catch (err) {
      logger.error('cannot collect metrics', { error: err, code: ErrorCode.INTERNAL });
      sendJson(res, 500, { error: 'cannot collect metrics' });
    }
  }

  let server: Server | undefined;
  return {
    async start() {
      const { host, port } = parseEndpoint(options.endpoint);
      const listening = createServer((req, res) => void handle(req, res));
      try {
        await new Promise<void>((resolve, reject) => {
          listening.once('error', reject);
          listening.listen(port, host, () => {
            listening.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        throw new TaggerError(ErrorCode.CONFIG, `cannot listen on ${options.endpoint}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      server = listening;
      const bound = formatEndpoint({ host, port: (listening.address() as AddressInfo).port });
      logger.info('admin endpoint listening', { endpoint: bound, paths: [...routes] });
      return bound;
    },
    async shutdown() {
      const closing = server;
      server = undefined;
      if (closing === undefined) return;
      const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
      // Scrapers keep connections alive; nothing they wait for is worth holding shutdown.
      closing.closeAllConnections();
      await closed;
    },
  };
}
