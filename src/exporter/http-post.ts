/**
 * One HTTP POST with the pipeline's delivery rules: the deadline and the client's abort end the
 * call (DEADLINE / CANCELLED), a connection that fails or closes before a full answer is
 * UNAVAILABLE, and the answer body is read up to a limit (OTLP: clients MUST limit responses).
 */
import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import type { AbortSignalLike } from '../abort-source.js';
import { deadlineTimer } from '../deadline-timer.js';
import type { TaggerError } from '../errors.js';
import { badResponse, cancelled, deadlineExceeded, unreachable } from './exporter-errors.js';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** As received (still gzipped when the server said so). */
  readonly body: Buffer;
}

/** Where one URL's requests go, resolved once rather than from the URL on every request. */
export interface HttpTarget {
  readonly request: typeof http.request;
  readonly agent: http.Agent;
  readonly hostname: string;
  readonly port: number | undefined;
  readonly path: string;
  /** The Host header's value: with headers given as a list, Node does not add one itself. */
  readonly host: string;
}

export function httpTarget(url: URL, agent: http.Agent): HttpTarget {
  const parts = urlToHttpOptions(url);
  return {
    request: url.protocol === 'https:' ? https.request : http.request,
    agent,
    hostname: parts.hostname as string,
    port: parts.port === undefined ? undefined : Number(parts.port),
    path: parts.path as string,
    host: url.host,
  };
}

export interface HttpPostOptions {
  readonly target: HttpTarget;
  /**
   * Name, value, name, value…, without Host and Content-Length (added here); the list is
   * extended in place. A list, not an object: Node writes it as given, where an object costs a
   * setHeader() per entry on every request.
   */
  readonly headers: string[];
  readonly body: Buffer;
  /** Epoch milliseconds, or none. */
  readonly deadline: number | undefined;
  readonly abortSignal: AbortSignalLike;
  readonly maxResponseBytes: number;
}

function tooLarge(limit: number): TaggerError {
  return badResponse(`the response body is larger than the limit of ${limit} bytes`);
}

export function httpPost(options: HttpPostOptions): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const { target, headers, deadline, abortSignal, maxResponseBytes } = options;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (err: TaggerError | undefined, answer?: HttpAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      abortSignal.removeEventListener('abort', onAbort);
      if (err === undefined) resolve(answer as HttpAnswer);
      else reject(err);
    };
    headers.push('host', target.host, 'content-length', String(options.body.length));
    const request = target.request({
      method: 'POST',
      agent: target.agent,
      hostname: target.hostname,
      port: target.port,
      path: target.path,
      headers,
    });
    const fail = (err: TaggerError): void => {
      settle(err);
      request.destroy();
    };
    const onAbort = (): void => fail(cancelled());
    // The caller may have spent a while (gzip, JSON) since it last looked.
    if (abortSignal.aborted) onAbort();
    else abortSignal.addEventListener('abort', onAbort, { once: true });
    const remaining = deadline === undefined ? Infinity : Math.max(0, deadline - Date.now());
    timer = deadlineTimer(() => fail(deadlineExceeded()), remaining, undefined);

    request.on('error', (err) => settle(unreachable(err.message, err)));
    request.on('response', (response) => {
      if (Number(response.headers['content-length'] ?? 0) > maxResponseBytes) {
        fail(tooLarge(maxResponseBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxResponseBytes) fail(tooLarge(maxResponseBytes));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        const status = response.statusCode as number;
        settle(undefined, { status, headers: response.headers, body: Buffer.concat(chunks) });
      });
      // A connection that drops mid-body: 'error' (aborted) then 'close'; either settles once.
      response.on('error', (err) => settle(unreachable(`the connection closed mid-response: ${err.message}`, err)));
    });
    request.end(options.body);
  });
}
