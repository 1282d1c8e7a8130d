import type { ServerTls } from './server-tls.js';

/**
 * What the service starts and stops. Both OTLP receivers (gRPC, HTTP) implement it.
 *
 * `start()` binds the listener and resolves with the address actually bound (`host:port`, with
 * the port resolved when configured as 0); it rejects when the address cannot be bound.
 * `shutdown()` stops accepting, lets in-flight requests finish, then closes. It MUST be safe to
 * call without `start()` and more than once.
 */
export interface Receiver {
  start(): Promise<string>;
  shutdown(): Promise<void>;
  /**
   * Swaps the TLS certificate, key and client CA for new connections (reload). Throws when the
   * receiver was not started with TLS, when `clientCa` appears or disappears (mTLS on/off needs
   * a restart), or when the receiver cannot change certificates live.
   */
  setTls(tls: ServerTls): void;
  /** Swaps the bearer token clients must send; undefined turns authentication off. */
  setAuthToken(token: string | undefined): void;
}
