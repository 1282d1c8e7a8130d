import type { Signal } from './otlp/signal.js';

/**
 * A claim on the in-flight byte budget, taken by a receiver before it reads a request body and
 * held until the client has its answer.
 */
export interface Ticket {
  /**
   * Changes the claim, e.g. once a body is inflated or converted from JSON. Growing past the
   * budget throws like `Admission.admit`, and the claim stays as it was.
   */
  resize(bytes: number): void;
  /** Gives the claim back; later calls do nothing. */
  release(): void;
}

/**
 * The contract between receivers and the memory bound (--max-inflight-bytes): receivers ask
 * before reading a body, with the length the client declared (Content-Length, the gRPC frame
 * length), so that a refused request is never held in memory.
 */
export interface Admission {
  /**
   * Claims `bytes` for a request of `signal`, or throws a `TaggerError` with code OVERLOADED
   * (RESOURCE_EXHAUSTED + RetryInfo / HTTP 429 + Retry-After) when the budget is spent.
   */
  admit(signal: Signal, bytes: number): Ticket;
}

const noTicket: Ticket = Object.freeze({ resize() {}, release() {} });

/** Admits everything: for receivers used without a memory bound. */
export const unlimitedAdmission: Admission = Object.freeze({ admit: () => noTicket });
