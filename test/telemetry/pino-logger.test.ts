import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import type { LogLevel } from '../../src/logger.js';
import { createPinoLogger } from '../../src/telemetry/pino-logger.js';

const run = promisify(execFile);

function captured(level?: LogLevel) {
  const lines: string[] = [];
  const logger = createPinoLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  const records = (): Record<string, unknown>[] => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

t.test('one JSON object per line, shaped like createLogger records', async (t) => {
  const { logger, lines, records } = captured();
  logger.info('listening', { endpoint: '0.0.0.0:4317', signals: ['traces'] });
  t.equal(lines.length, 1);
  t.match(lines[0], /\n$/);
  const [record] = records();
  t.same(Object.keys(record), ['level', 'time', 'endpoint', 'signals', 'msg']);
  t.match(record, { level: 'info', msg: 'listening', endpoint: '0.0.0.0:4317', signals: ['traces'] });
  t.type(record.time, 'number');
  t.notOk('pid' in record || 'hostname' in record, 'no pid nor hostname');
});

t.test('levels: below the threshold nothing is written, silent writes nothing', async (t) => {
  const info = captured();
  info.logger.debug('hidden');
  info.logger.info('shown');
  info.logger.warn('warned');
  info.logger.error('failed');
  t.same(info.records().map((r) => [r.level, r.msg]), [['info', 'shown'], ['warn', 'warned'], ['error', 'failed']]);

  const debug = captured('debug');
  debug.logger.debug('detail', { n: 1 });
  t.match(debug.records(), [{ level: 'debug', msg: 'detail', n: 1 }]);

  const error = captured('error');
  error.logger.warn('hidden', { costly: 1 });
  error.logger.error('shown');
  t.same(error.records().map((r) => r.msg), ['shown']);

  const silent = captured('silent');
  for (const level of ['debug', 'info', 'warn', 'error'] as const) silent.logger[level]('nothing');
  t.equal(silent.lines.length, 0);
});

t.test('child loggers carry their bindings, nested ones too', async (t) => {
  const { logger, records } = captured();
  const exporter = logger.child({ component: 'exporter' });
  exporter.child({ endpoint: 'collector:4317' }).warn('retrying', { attempt: 2 });
  logger.info('root');
  t.match(records(), [
    { level: 'warn', component: 'exporter', endpoint: 'collector:4317', attempt: 2, msg: 'retrying' },
    { level: 'info', msg: 'root' },
  ]);
  t.notOk('component' in records()[1], 'the parent is unchanged');
});

t.test('errors keep their stable code; errors without one (bugs) keep their stack', async (t) => {
  const { logger, records } = captured();
  const decode = new TaggerError(ErrorCode.DECODE, 'bad varint at byte 3');
  logger.warn('export failed', { err: decode, error: new TypeError('undefined is not a function'), size: 12n });
  logger.child({ cause: new TaggerError(ErrorCode.CONFIG, 'bad endpoint') }).error('cannot start');
  const [first, second] = records();
  t.same(first.err, { type: 'TaggerError', message: 'bad varint at byte 3', code: ErrorCode.DECODE });
  t.match(first.error, { type: 'TypeError', message: 'undefined is not a function', stack: /TypeError: undefined is not a function\n\s+at / });
  t.equal(first.size, '12', 'bigints as decimal strings');
  t.same(second.cause, { type: 'TaggerError', message: 'bad endpoint', code: ErrorCode.CONFIG }, 'bindings too');
});

t.test('the default destination is stderr, leaving stdout to the debug exporter', async (t) => {
  const module = new URL('../../src/telemetry/pino-logger.ts', import.meta.url).href;
  const script = `import { createPinoLogger } from ${JSON.stringify(module)};
    createPinoLogger().info('to stderr', { code: 'X' });`;
  // A bare environment: the child is loaded by tsx, not tap's TypeScript loader, and must stay out of coverage.
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH },
    timeout: 30_000,
  });
  t.equal(stdout, '');
  t.match(JSON.parse(stderr.trim()), { level: 'info', msg: 'to stderr', code: 'X' });
  t.equal(createPinoLogger({ level: 'silent' }).child({}).error('nothing'), undefined, 'in process too');
});
