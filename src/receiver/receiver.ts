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
}
