/**
 * otlp-tagger's core alone: OTLP/gRPC receiver (node:http2) → agent_tags processor (validate,
 * splice the tags in) → OTLP/gRPC exporter (node:http2). It leaves out what the service wraps
 * around that core (in-flight limit, metrics, retries, splitting), so next to `otlp-tagger` it
 * shows what the transports and the engine cost and what the wrappers add.
 */
import { createGrpcExporter } from '../../../src/exporter/grpc-exporter.js';
import { createHttp2GrpcClientTransport } from '../../../src/exporter/http2-grpc-client-transport.js';
import { silentLogger } from '../../../src/logger.js';
import { createAgentTagsProcessor } from '../../../src/processor/agent-tags-processor.js';
import { createGrpcReceiver } from '../../../src/receiver/grpc-receiver.js';
import { createHttp2GrpcServerTransport } from '../../../src/receiver/http2-grpc-server-transport.js';
import { announce, exitWithHarness, runHop, type HopArgs } from './hop-args.js';

async function main(args: HopArgs): Promise<void> {
  if (args.protocol !== 'grpc') throw new Error('tagger-core-http2 speaks gRPC only');
  const exporter = createGrpcExporter({
    endpoint: `http://${args.upstreamHost}:${args.upstreamPort}`,
    headers: {},
    compression: args.compression,
    timeoutMillis: 10_000,
    tls: { insecure: true, insecureSkipVerify: false },
    logger: silentLogger,
    createTransport: createHttp2GrpcClientTransport,
  });
  const processor = createAgentTagsProcessor({
    rules: {
      tags: args.tags.map(([key, value]) => ({ key, value: { type: 'string' as const, value } })),
      defaultPolicy: 'skip',
      policies: {},
      prefix: 'agent.',
    },
    next: exporter,
  });
  const receiver = createGrpcReceiver({
    endpoint: `${args.host}:${args.port}`,
    maxRecvMsgSizeBytes: 4 * 1024 * 1024,
    signals: ['traces', 'logs', 'metrics'],
    consumer: processor,
    logger: silentLogger,
    transport: createHttp2GrpcServerTransport,
  });
  const endpoint = await receiver.start();
  exitWithHarness();
  announce('grpc', args.host, Number(endpoint.slice(endpoint.lastIndexOf(':') + 1)));
}

runHop(main);
