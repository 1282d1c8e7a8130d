// PLACEHOLDER (the lead is writing this file): wiring of receivers → processor → exporter.
import type { Logger } from './logger.js';

/** Where the service actually listens once started (ports resolved when configured as 0). */
export interface ServiceAddresses {
  readonly grpc?: string;
  readonly http?: string;
}

export interface ServiceSettings {
  readonly logger: Logger;
  /** Where the debug exporter prints; defaults to process.stdout. */
  readonly stdout?: (line: string) => void;
}

export interface Service {
  /** Binds the listeners; rejects (TaggerError CONFIG) when a port cannot be bound. */
  start(): Promise<ServiceAddresses>;
  /** Stops accepting, lets in-flight requests finish, closes. Safe without start(). */
  shutdown(): Promise<void>;
}
