/**
 * A strict reader of the Prometheus text exposition format 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats), for checking what /metrics serves:
 * every sample belongs to a family declared by `# TYPE` before it, names and labels are valid,
 * label values are correctly escaped, values are floats.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  readonly samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const suffixes: Readonly<Record<Family['type'], readonly string[]>> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  // prom-client writes `Nan`; Prometheus reads floats with Go's ParseFloat, which ignores case.
  if (text.toLowerCase() === 'nan') return NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`not a sample value: ${JSON.stringify(text)}`);
  return value;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /\s*([^=\s]+)="((?:[^"\\]|\\[\\"n])*)"\s*(,|$)/y;
  let at = 0;
  while (at < text.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (match === null) throw new Error(`bad labels in ${JSON.stringify(line)}`);
    const [, name, raw] = match;
    if (!labelName.test(name) || name.startsWith('__')) throw new Error(`bad label name ${name}`);
    if (name in labels) throw new Error(`label ${name} repeated in ${JSON.stringify(line)}`);
    labels[name] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    at = pattern.lastIndex;
  }
  return labels;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const familyOf = (sample: string): Family => {
    for (const [name, family] of families) {
      if (suffixes[family.type].some((suffix) => name + suffix === sample)) return family;
    }
    throw new Error(`sample ${sample} has no # TYPE before it`);
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const [, keyword, name, ...rest] = line.split(' ');
      if (keyword === 'TYPE') {
        if (!metricName.test(name) || families.has(name)) throw new Error(`bad or repeated # TYPE: ${line}`);
        const type = rest.join(' ') as Family['type'];
        if (!(type in suffixes)) throw new Error(`unknown type in ${line}`);
        families.set(name, { type, help: helps.get(name), samples: [] });
      } else if (keyword === 'HELP') {
        // HELP may come before or after TYPE.
        helps.set(name, rest.join(' '));
        const family = families.get(name);
        if (family !== undefined) family.help = rest.join(' ');
      }
      continue;
    }
    const match = /^([^{\s]+)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/.exec(line);
    if (match === null) throw new Error(`bad sample line ${JSON.stringify(line)}`);
    const [, name, labels = '', value] = match;
    if (!metricName.test(name)) throw new Error(`bad metric name ${name}`);
    familyOf(name).samples.push({ name, labels: parseLabels(labels, line), value: parseValue(value) });
  }
  return families;
}

/** The value of the one sample with this name and exactly these labels. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted) return sample.value;
    }
  }
  throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
}
