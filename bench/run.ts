/**
 * `npm run bench [-- name... | all] [--quick]`: runs the named benchmark scenarios, or the
 * default set (idle, grpc-10k, saturation: about 9 minutes on 2 cores). Each scenario prints a
 * Markdown section on stdout (progress goes to stderr); the whole run is written to
 * bench/results/latest.md, and when it includes `saturation`, the chart to
 * bench/results/cpu-per-million-spans.svg, both copied to docs/bench/ for the README.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderChart } from './load/chart.js';
import { closeContext, cpuSummary, getContext, loadAverageNow, machineLines, wakeupMicros } from './load/context.js';
import { killAllChildren, repoRoot, resultsDir } from './load/processes.js';
import type { Section } from './load/report.js';
import { defaultScenarios, loadScenarios } from './load/scenarios.js';

interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly run: (options: RunOptions) => Promise<Section>;
}

interface RunOptions {
  readonly quick: boolean;
}

const progress = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * A micro-benchmark that prints its own table: its output goes in a code block. They are
 * imported when run, so that one that does not load breaks only itself.
 */
function captured(title: string, run: (print: (line: string) => void) => Promise<unknown>): () => Promise<Section> {
  return async () => {
    const lines: string[] = [];
    await run((line) => {
      lines.push(line);
      progress(line);
    });
    return { title, lines: ['```', ...lines, '```'] };
  };
}

const scenarios: readonly Scenario[] = [
  ...loadScenarios.map((s) => ({
    name: s.name,
    description: s.description,
    run: async (options: RunOptions) => s.run(await getContext({ quick: options.quick, print: progress })),
  })),
  {
    name: 'engine',
    description: 'P9: wire editor and inspectRequest vs protobufjs, per request shape',
    run: captured('engine: the wire editor against protobufjs (P9)', async (print) => (await import('./engine.js')).runEngineBench({ print })),
  },
  {
    name: 'json',
    description: 'OTLP/JSON ↔ protobuf converters vs protobufjs pipelines',
    run: captured('json: OTLP/JSON converters', async (print) => (await import('./json.js')).runJsonBench({ print })),
  },
  {
    name: 'grpc-transport',
    description: 'gRPC receiver → exporter pass-through on grpc-js vs node:http2 transports',
    run: captured('grpc-transport: grpc-js vs node:http2 transports', async (print) => (await import('./grpc-transport.js')).runGrpcTransportBench({ print })),
  },
];

function usage(): string {
  const lines = [
    'usage: npm run bench [-- name... | all] [--quick]',
    `  no name: ${defaultScenarios.join(', ')}; all: every scenario; --quick: half the warm-up and measuring time`,
    'scenarios:',
  ];
  for (const s of scenarios) lines.push(`  ${s.name.padEnd(15)} ${s.description}`);
  return `${lines.join('\n')}\n`;
}

function writeResults(argv: readonly string[], header: readonly string[], sections: readonly Section[]): void {
  const document = [
    '# otlp-tagger benchmark results',
    '',
    ...header,
    `- Command: \`npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}\``,
    '',
    ...sections.flatMap((s) => [`## ${s.title}`, '', ...s.lines, '']),
  ].join('\n');
  mkdirSync(resultsDir, { recursive: true });
  const latest = path.join(resultsDir, 'latest.md');
  writeFileSync(latest, document);
  progress(`results: ${path.relative(repoRoot, latest)}`);
  const withChart = sections.find((s) => s.chart !== undefined);
  if (withChart?.chart === undefined) return;
  const svg = path.join(resultsDir, 'cpu-per-million-spans.svg');
  const subtitle = `OTLP/gRPC, 100 spans/request, ${withChart.chartLoad ?? 'closed loop'}; ${cpuSummary()}; ${new Date().toISOString().slice(0, 10)}`;
  writeFileSync(svg, renderChart(withChart.chart, 'otlp-tagger vs other Node OTLP hops: CPU per span at saturation', subtitle));
  const docs = path.join(repoRoot, 'docs/bench');
  mkdirSync(docs, { recursive: true });
  copyFileSync(svg, path.join(docs, 'cpu-per-million-spans.svg'));
  copyFileSync(latest, path.join(docs, 'latest.md'));
  progress(`chart: ${path.relative(repoRoot, svg)}; copied with latest.md to docs/bench/`);
}

async function main(argv: readonly string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const names = argv.filter((arg) => !arg.startsWith('-'));
  const unknown = names.filter((name) => name !== 'all' && !scenarios.some((s) => s.name === name));
  if (unknown.length > 0 || argv.includes('--help') || argv.includes('-h')) {
    if (unknown.length > 0) process.stderr.write(`unknown scenario: ${unknown.join(', ')}\n`);
    process.stderr.write(usage());
    return unknown.length > 0 ? 2 : 0;
  }
  const wanted = names.includes('all') ? scenarios.map((s) => s.name) : names.length > 0 ? names : defaultScenarios;
  const sections: Section[] = [];
  let failed = false;
  const wakeup = await wakeupMicros();
  const header = [
    ...machineLines(),
    `- Timer wake-up cost: ${wakeup.toFixed(0)} µs of CPU per wake-up from idle (a Node process, 100 wake-ups). At a low rate every request wakes the hop several times, so fixed-rate CPU % carries this floor.`,
  ];
  process.stdout.write(`# otlp-tagger benchmark results\n\n${header.join('\n')}\n`);
  try {
    for (const scenario of scenarios) {
      if (!wanted.includes(scenario.name)) continue;
      const load = loadAverageNow();
      progress(`== ${scenario.name} (load average ${load}) ==`);
      const started = performance.now();
      let section: Section;
      try {
        section = await scenario.run({ quick });
      } catch (err) {
        failed = true;
        section = { title: scenario.name, lines: [`✗ FAIL: the scenario did not complete: ${(err as Error).stack ?? String(err)}`] };
      }
      const seconds = (performance.now() - started) / 1000;
      const done: Section = {
        ...section,
        lines: [`_Load average before (1/5/15 min): ${load}; took ${seconds.toFixed(0)} s._`, '', ...section.lines],
      };
      sections.push(done);
      process.stdout.write(`\n## ${done.title}\n\n${done.lines.join('\n')}\n`);
    }
  } finally {
    await closeContext();
    killAllChildren();
  }
  writeResults(argv, header, sections);
  return failed ? 1 : 0;
}

// argv[1] is this script, unless it was loaded with `node -e` (then the flags start there).
process.exit(await main(process.argv.slice(/\.[cm]?[jt]s$/.test(process.argv[1] ?? '') ? 2 : 1)));
