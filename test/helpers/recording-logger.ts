/** A Logger that keeps every record, to assert what a component logs (and at which level). */
import type { LogFields, Logger } from '../../src/logger.js';

export interface LogRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly fields: LogFields;
}

export interface RecordingLogger extends Logger {
  readonly records: LogRecord[];
}

export function createRecordingLogger(records: LogRecord[] = [], bindings: LogFields = {}): RecordingLogger {
  const log =
    (level: LogRecord['level']) =>
    (msg: string, fields: LogFields = {}): void => {
      records.push({ level, msg, fields: { ...bindings, ...fields } });
    };
  return {
    records,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => createRecordingLogger(records, { ...bindings, ...more }),
  };
}
