#!/usr/bin/env node
/**
 * The process entry: flags and config → service → signals. The only module that exits: 0 after a
 * clean shutdown or --help/--version, 1 when the service cannot start, 2 for a bad configuration.
 */
import { readFileSync } from 'node:fs';
import { parseCliArgs, usage } from './config/cli-args.js';
import { describeConfig } from './config/describe-config.js';
import { loadConfig } from './config/load-config.js';
import { createLogger } from './logger.js';
import type { Service, ServiceAddresses } from './service.js';

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

  const logger = createLogger({ level: config.log.level });
  for (const warning of warnings) logger.warn(warning);
  const stopping = nextSignal();
  let service: Service | undefined;
  let addresses: ServiceAddresses;
  try {
    // Loaded only now, so that --help, --version and config errors answer without loading the servers.
    const { createService } = await import('./service.js');
    service = createService(config, { logger });
    addresses = await service.start();
  } catch (err) {
    await service?.shutdown();
    return fatal(`cannot start: ${(err as Error).message}`, 1);
  }
  for (const line of describeConfig(config, addresses)) logger.info(line);

  const signal = await stopping;
  logger.info(`${signal}: shutting down`);
  // A second signal while draining means "now".
  void nextSignal().then(() => process.exit(1));
  await service.shutdown();
  logger.info('stopped');
  return 0;
}

// A rejection here is a bug; Node prints it with its stack and exits 1.
void main(process.argv.slice(2)).then((code) => process.exit(code));
