/**
 * An exporter is the last Consumer of a pipeline: it delivers a request upstream and resolves
 * with the upstream's answer (partial success passed through), or rejects with a TaggerError.
 *
 * Failures carry what a retrying wrapper needs and nothing else: `clientStatusOf(err).retryable`
 * (src/otlp/status.ts) says whether to try again, `err.retryAfterMillis` how long the upstream
 * asked us to wait. Exporters never retry by themselves and never modify `request.body`, so a
 * wrapper can resend the very same bytes.
 */
import type { Consumer } from '../consumer.js';

export interface Exporter extends Consumer {
  /**
   * Refuses new requests (UNAVAILABLE), waits for in-flight ones to settle, then closes
   * connections. In-flight requests are bounded by their deadlines, so with `timeoutMillis: 0`
   * and clients without deadlines a hung upstream can hold shutdown; the caller bounds it.
   */
  shutdown(): Promise<void>;
  /** One line for startup logs: protocol, endpoint, compression. Never contains header values. */
  readonly description: string;
}

/** TLS settings of an OTLP exporter; the shape of the resolved `exporters.otlp.tls` config. */
export interface ExporterTls {
  /** Plaintext; informational, since the endpoint's scheme (`http`/`https`) decides. */
  readonly insecure: boolean;
  /** PEM file of CAs to trust instead of the system ones. */
  readonly caFile?: string;
  /** PEM client certificate and key for mTLS; both or neither. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Accept any server certificate (chain and name unchecked). */
  readonly insecureSkipVerify: boolean;
  /** Name checked in the server certificate and sent as SNI, instead of the endpoint's host. */
  readonly serverName?: string;
}
