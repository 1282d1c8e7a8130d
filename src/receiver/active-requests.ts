/**
 * The requests an HTTP server is still answering. A graceful close waits for them, and then for
 * nothing else: what remains open carries no request (see open-sockets.ts).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export interface ActiveRequests {
  /** The handler, counting each request from its arrival until its response is done or cut. */
  count(handler: RequestListener): RequestListener;
  /** Resolves once no request is in progress (at once if none is). */
  idle(): Promise<void>;
}

export function createActiveRequests(): ActiveRequests {
  let active = 0;
  let waiting: (() => void)[] = [];
  const ended = (): void => {
    if (--active > 0 || waiting.length === 0) return;
    const resolve = waiting;
    waiting = [];
    for (const wake of resolve) wake();
  };
  return {
    count(handler) {
      return (request: IncomingMessage, response: ServerResponse) => {
        active++;
        response.once('close', ended);
        handler(request, response);
      };
    },
    idle() {
      return active === 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve));
    },
  };
}
