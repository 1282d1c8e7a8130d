#!/usr/bin/env node
/**
 * The process entry: flags and config → service → signals. The only module that exits: 0 after a
 * clean shutdown or --help/--version, 1 when the service cannot start, 2 for a bad configuration.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { parseCliArgs, usage } from './config/cli-args.js';
import { describeConfig } from './config/describe-config.js';
import { loadConfig } from './config/load-config.js';
import type { Logger } from './logger.js';
import type { Service, ServiceAddresses } from './service.js';
import { createPinoLogger } from './telemetry/pino-logger.js';

function fatal(message: string, code: number): number {
  process.stderr.write(`otlp-tagger: ${message}\n`);
  return code;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const warnings: string[] = [];
  let config;
  try {
    const args = parseCliArgs(argv);
    if (args.help) {
      process.stdout.write(usage());
      return 0;
    }
    if (args.version) {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    config = loadConfig(argv, process.env, (path) => readFileSync(path, 'utf8'), { warn: (m) => warnings.push(m) });
  } catch (err) {
    for (const warning of warnings) process.stderr.write(`otlp-tagger: warning: ${warning}\n`);
    return fatal((err as Error).message, 2);
  }

  const logger = createPinoLogger({ level: config.log.level });
  for (const warning of warnings) logger.warn(warning);
  const stopping = nextSignal();
  let service: Service | undefined;
  let addresses: ServiceAddresses;
  try {
    // Loaded only now, so that --help, --version and config errors answer without loading the servers.
    const { createService } = await import('./service.js');
    service = createService(config, { logger, version: version() });
    addresses = await service.start();
  } catch (err) {
    await service?.shutdown();
    return fatal(`cannot start: ${(err as Error).message}`, 1);
  }
  for (const line of describeConfig(config, addresses)) logger.info(line);

  const stopReloading = watchForReload(argv, service, logger);
  const signal = await stopping;
  stopReloading();
  logger.info(`${signal}: shutting down`);
  // A second signal while draining means "now".
  void nextSignal().then(() => process.exit(1));
  await service.shutdown();
  logger.info('stopped');
  return 0;
}

/**
 * Hot reload: SIGHUP, or a change of the --config file, reloads tags and policies. A bad new
 * configuration is logged and the running one stays.
 */
function watchForReload(argv: readonly string[], service: Service, logger: Logger): () => void {
  let timer: NodeJS.Timeout | undefined;
  const reload = (why: string): void => {
    try {
      const next = loadConfig(argv, process.env, (path) => readFileSync(path, 'utf8'), {
        warn: (m) => logger.warn(m),
      });
      const { needsRestart } = service.reload(next);
      logger.info('configuration reloaded', { trigger: why, tags: next.processor.rules.tags.length });
      if (needsRestart.length > 0) logger.warn('some changes need a restart to apply', { sections: needsRestart });
    } catch (err) {
      service.metrics.recordReload(false);
      logger.error('configuration reload rejected; the running configuration stays', { trigger: why, err });
    }
  };
  const onHup = (): void => reload('SIGHUP');
  process.on('SIGHUP', onHup);
  let watcher: FSWatcher | undefined;
  const file = parseCliArgs(argv).config;
  if (file !== undefined) {
    try {
      // Editors replace files, and Kubernetes swaps ConfigMap symlinks: debounce, then re-read.
      watcher = watch(file, () => {
        clearTimeout(timer);
        timer = setTimeout(() => reload('file change'), 200);
      });
    } catch (err) {
      logger.warn('cannot watch the configuration file; SIGHUP still reloads', { file, err });
    }
  }
  return () => {
    process.off('SIGHUP', onHup);
    watcher?.close();
    clearTimeout(timer);
  };
}

// A rejection here is a bug; Node prints it with its stack and exits 1.
void main(process.argv.slice(2)).then((code) => process.exit(code));
