import type { AbortSignalLike } from './abort-source.js';
import type { Signal } from './otlp/signal.js';
import type { TagStats } from './processor/tag-types.js';

/**
 * One export request as it travels through the pipeline. The body is always the protobuf
 * encoding of `Export<Signal>ServiceRequest`: the HTTP receiver turns JSON into protobuf at the
 * edge, and the http/json exporter turns it back.
 */
export interface ExportRequest {
  readonly signal: Signal;
  /** Protobuf `Export<Signal>ServiceRequest`. Consumers MUST NOT mutate it. */
  readonly body: Buffer;
  /**
   * Per-request metadata to forward upstream (tenant headers), lower-case keys.
   * Empty unless forwarding is configured.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** Epoch milliseconds by which the client wants an answer, when it said so. */
  readonly deadline: number | undefined;
  /** Aborted when the client goes away; consumers pass it on to upstream calls. */
  readonly abortSignal: AbortSignalLike;
  /** What the tag processor did to this request, for the debug exporter and metrics. */
  readonly tagStats?: Readonly<TagStats>;
  /**
   * Spans, log records or metric data points in `body`, when a stage before has counted them
   * (the agent_tags processor does, as it validates), so that later stages need not walk the
   * body again. A stage that hands on another body leaves it out or counts anew.
   */
  readonly items?: number;
}

/** `partial_success` of an `Export<Signal>ServiceResponse`; absent on full success. */
export interface PartialSuccess {
  /** int64 on the wire, kept as a decimal string so that no precision is lost. */
  readonly rejected: string;
  readonly errorMessage: string;
}

export interface ExportResponse {
  readonly partialSuccess?: PartialSuccess;
}

/**
 * The pipeline contract, after the Collector's `consumer.Traces`: a receiver hands every request
 * to a consumer and answers its client with the outcome.
 *
 * `consume` resolves only once the request is delivered (or durably queued, where a queue is
 * configured). It rejects with a `TaggerError` whose status tells the client whether to retry;
 * any other rejection is a bug and is answered as INTERNAL.
 */
export interface Consumer {
  consume(request: ExportRequest): Promise<ExportResponse>;
}

/**
 * The request with another body and what describes it (tag stats, item count), every field
 * spelled out — the type makes sure none is forgotten: in Node 20 a spread copy
 * (`{ ...request, body }`) costs over a microsecond, as adding fields leaves V8's fast paths,
 * against some 10 ns for a literal.
 */
export function withBody(
  request: ExportRequest,
  body: Buffer,
  tagStats: Readonly<TagStats> | undefined,
  items: number | undefined,
): ExportRequest {
  const fields: ExportRequest & Record<keyof ExportRequest, unknown> = {
    signal: request.signal,
    body,
    headers: request.headers,
    deadline: request.deadline,
    abortSignal: request.abortSignal,
    tagStats,
    items,
  };
  return fields;
}
