/**
 * The memory bound on the HTTP receiver (src/admission.ts): a fastify `preParsing` hook claims a
 * request's `Content-Length` before its body is read (after authentication, which runs in
 * onRequest), or grows the claim chunk by chunk for a chunked body. The handler takes the claim
 * over, grows it to every buffer it holds and releases it when done; a request that never
 * reaches the handler (a body error, a client gone) releases it when its response closes.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Admission, Ticket } from '../admission.js';
import { ErrorCode, TaggerError } from '../errors.js';
import type { Signal } from '../otlp/signal.js';

export function tooLarge(maxBytes: number): TaggerError {
  return new TaggerError(ErrorCode.TOO_LARGE, `request body is larger than the limit of ${maxBytes} bytes`);
}

/** A request's claim, from preParsing until its handler is done. */
interface Claim {
  readonly ticket: Ticket;
  handling: boolean;
}

type PreParsing = (request: FastifyRequest, reply: FastifyReply, payload: NodeJS.ReadableStream) => Promise<NodeJS.ReadableStream>;

export interface HttpAdmission {
  /** The route hook for one signal's path. */
  preParsing(signal: Signal): PreParsing;
  /** Hands the request's claim to its handler, which must release it. */
  takeClaim(request: FastifyRequest): Ticket;
}

/** Grows the claim of a body without Content-Length as its chunks arrive. */
function claimingStream(ticket: Ticket): Transform {
  let received = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      received += chunk.length;
      try {
        ticket.resize(received);
      } catch (err) {
        callback(err as Error);
        return;
      }
      callback(null, chunk);
    },
  });
}

export function createHttpAdmission(admission: Admission, maxRequestBodyBytes: number): HttpAdmission {
  const claims = new WeakMap<FastifyRequest, Claim>();
  return {
    preParsing: (signal) => async (request, reply, payload) => {
      const length = request.headers['content-length'];
      const declared = length === undefined ? 0 : Number(length);
      // Too large is not a retryable refusal: say so before the budget is asked.
      if (declared > maxRequestBodyBytes) throw tooLarge(maxRequestBodyBytes);
      const ticket = admission.admit(signal, declared);
      const claim: Claim = { ticket, handling: false };
      claims.set(request, claim);
      reply.raw.once('close', () => {
        if (!claim.handling) ticket.release();
      });
      return length === undefined ? payload.pipe(claimingStream(ticket)) : payload;
    },
    takeClaim(request) {
      // preParsing ran for every request that reaches a handler.
      const claim = claims.get(request) as Claim;
      claim.handling = true;
      return claim.ticket;
    },
  };
}
