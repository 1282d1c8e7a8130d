/**
 * The `Logger` of src/logger.ts on pino: the same record shape as createLogger (`level` as a
 * name, `time` in epoch milliseconds, bindings, `msg`), so call sites and log pipelines do not
 * change. Errors in fields keep their stable `code`; errors without one (bugs) keep their stack.
 */
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import type { LogFields, Logger, LogLevel } from '../logger.js';

export interface PinoLoggerOptions {
  readonly level?: LogLevel;
  /**
   * Where records go; defaults to stderr, written synchronously so that nothing is lost when
   * main() exits (nothing is logged per span, so the volume is small), and so that stdout stays
   * for the debug exporter.
   */
  readonly destination?: DestinationStream;
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return code === undefined
      ? { type: value.name, message: value.message, stack: value.stack }
      : { type: value.name, message: value.message, code };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function record(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = serialise(value);
  return out;
}

function adapt(logger: Pino): Logger {
  const at =
    (level: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields?: LogFields): void => {
      if (!logger.isLevelEnabled(level)) return;
      if (fields === undefined) logger[level](msg);
      else logger[level](record(fields), msg);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (bindings) => adapt(logger.child(record(bindings))),
  };
}

export function createPinoLogger(options: PinoLoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ dest: 2, sync: true });
  return adapt(
    pino(
      {
        level: options.level ?? 'info',
        // No pid and hostname: the record shape of createLogger; the runtime knows where it runs.
        base: null,
        formatters: { level: (label) => ({ level: label }) },
        // Fields are serialised above; pino's own `err` serializer would rework the result, losing its type.
        serializers: { err: (value: unknown) => value },
      },
      destination,
    ),
  );
}
