/**
 * A scriptable Consumer for receiver tests (after the Collector's consumertest.Sink): it records
 * every request and answers as scripted — resolve (optionally with a partial success), reject
 * with a given error, or hang until the request's abortSignal fires.
 */
import type { Consumer, ExportRequest, ExportResponse } from '../../src/consumer.js';
import { ErrorCode, TaggerError } from '../../src/errors.js';

export type Behaviour =
  | { readonly kind: 'resolve'; readonly response?: ExportResponse }
  | { readonly kind: 'reject'; readonly error: unknown }
  | { readonly kind: 'hang' };

export interface RecordingConsumer extends Consumer {
  readonly requests: ExportRequest[];
  /** Answer every following request this way (default: resolve with full success). */
  setBehaviour(behaviour: Behaviour): void;
  /** Answer only the next request this way, then fall back to the standing behaviour. */
  once(behaviour: Behaviour): void;
  /** Resolves with the n-th request (0-based) once it has arrived. */
  request(n: number): Promise<ExportRequest>;
  /** Resolves once the n-th request's abortSignal has fired. */
  aborted(n: number): Promise<ExportRequest>;
}

export function createRecordingConsumer(initial: Behaviour = { kind: 'resolve' }): RecordingConsumer {
  const requests: ExportRequest[] = [];
  const waiters: { n: number; resolve: (r: ExportRequest) => void }[] = [];
  const queued: Behaviour[] = [];
  let standing = initial;

  const act = (behaviour: Behaviour, request: ExportRequest): Promise<ExportResponse> => {
    switch (behaviour.kind) {
      case 'resolve':
        return Promise.resolve(behaviour.response ?? {});
      case 'reject':
        return Promise.reject(behaviour.error);
      case 'hang':
        return new Promise((_resolve, reject) => {
          const cancelled = (): void =>
            reject(new TaggerError(ErrorCode.CANCELLED, 'cancelled while hanging', { cause: request.abortSignal.reason }));
          if (request.abortSignal.aborted) cancelled();
          else request.abortSignal.addEventListener('abort', cancelled, { once: true });
        });
    }
  };

  const request = (n: number): Promise<ExportRequest> =>
    n < requests.length ? Promise.resolve(requests[n]) : new Promise((resolve) => waiters.push({ n, resolve }));

  return {
    requests,
    setBehaviour(behaviour) {
      standing = behaviour;
    },
    once(behaviour) {
      queued.push(behaviour);
    },
    request,
    async aborted(n) {
      const req = await request(n);
      if (!req.abortSignal.aborted) {
        await new Promise((resolve) => req.abortSignal.addEventListener('abort', resolve, { once: true }));
      }
      return req;
    },
    consume(req) {
      requests.push(req);
      for (const w of waiters.filter((w) => w.n === requests.length - 1)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(req);
      }
      return act(queued.shift() ?? standing, req);
    },
  };
}
