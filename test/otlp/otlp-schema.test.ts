import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import t from 'tap';
import { enums, messageSpec, messages, requestMessage, responseMessage } from '../../src/otlp/otlp-schema.js';
import { allSignals, signals } from '../../src/otlp/signal.js';
import { referenceRoot } from '../helpers/reference-codec.js';

// The reference root is loaded with camelCase names; a second root keeps the proto names, so the
// table's snake_case `protoName`s can be checked too.
const protoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../proto');
const protoNameRoot = new protobuf.Root();
protoNameRoot.resolvePath = (_origin: string, target: string) => path.join(protoDir, target);
protoNameRoot.loadSync(
  [
    'opentelemetry/proto/collector/trace/v1/trace_service.proto',
    'opentelemetry/proto/collector/logs/v1/logs_service.proto',
    'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    'google/rpc/status.proto',
    'google/rpc/error_details.proto',
  ],
  { keepCase: true },
);
protoNameRoot.resolveAll();

/** The table names OTLP types relative to their package and others by full name. */
function tableName(object: protobuf.ReflectionObject): string {
  const full = object.fullName.slice(1);
  return /^opentelemetry\.proto\.[a-z]+(?:\.[a-z]+)?\.v1\.(.+)$/.exec(full)?.[1] ?? full;
}

function collect(root: protobuf.Root): { types: Map<string, protobuf.Type>; enumTypes: Map<string, protobuf.Enum> } {
  const types = new Map<string, protobuf.Type>();
  const enumTypes = new Map<string, protobuf.Enum>();
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) types.set(tableName(nested), nested);
      if (nested instanceof protobuf.Enum) enumTypes.set(nested.name, nested);
      if (nested instanceof protobuf.Namespace) walk(nested);
    }
  };
  walk(root);
  return { types, enumTypes };
}

const reference = collect(referenceRoot);
const withProtoNames = collect(protoNameRoot);

const hexFields = new Set([
  'Span.trace_id',
  'Span.span_id',
  'Span.parent_span_id',
  'Span.Link.trace_id',
  'Span.Link.span_id',
  'LogRecord.trace_id',
  'LogRecord.span_id',
  'Exemplar.trace_id',
  'Exemplar.span_id',
]);

t.test('every message of the table matches proto/ field by field', async (t) => {
  for (const [name, spec] of Object.entries(messages)) {
    const type = reference.types.get(name);
    const keepCase = withProtoNames.types.get(name);
    if (type === undefined || keepCase === undefined) {
      t.fail(`${name} is not in proto/`);
      continue;
    }
    t.equal(spec.name, name);
    t.same(
      spec.fields.map((f) => f.no).sort((a, b) => a - b),
      type.fieldsArray.map((f) => f.id).sort((a, b) => a - b),
      `${name}: field numbers`,
    );
    for (const field of type.fieldsArray) {
      const f = spec.byNo.get(field.id);
      if (f === undefined) continue; // reported by the field-number check above
      const where = `${name}.${f.protoName}`;
      const resolved = field.resolvedType;
      const kind = resolved instanceof protobuf.Enum ? 'enum' : resolved instanceof protobuf.Type ? 'message' : field.type;
      const oneof = field.partOf;
      t.same(
        {
          name: f.name,
          protoName: f.protoName,
          kind: f.kind,
          repeated: f.repeated,
          message: f.message,
          enumType: f.enumType,
          explicitPresence: f.explicitPresence,
          oneof: f.oneof,
          hex: f.hex,
        },
        {
          name: protobuf.util.camelCase(field.name),
          protoName: keepCase.fieldsById[field.id].name,
          kind,
          repeated: field.repeated,
          message: resolved instanceof protobuf.Type ? tableName(resolved) : undefined,
          // Enums go by their simple name (SpanKind, not Span.SpanKind).
          enumType: resolved instanceof protobuf.Enum ? resolved.name : undefined,
          explicitPresence: oneof !== null,
          // proto3 `optional` fields sit in a synthetic oneof of their own; the table has no name for it.
          oneof: oneof === null || field.options?.proto3_optional === true ? undefined : oneof.name,
          hex: hexFields.has(`${name}.${keepCase.fieldsById[field.id].name}`),
        },
        where,
      );
      t.equal(spec.byJsonKey.get(f.name), f, `${where} by its JSON name`);
      t.equal(spec.byJsonKey.get(f.protoName), f, `${where} by its proto name`);
    }
  }
});

t.test('the table covers every message the service sends or receives', async (t) => {
  const roots = [
    ...allSignals.flatMap((s) => [signals[s].requestType, signals[s].responseType]),
    'google.rpc.Status',
    'google.rpc.RetryInfo',
    'google.rpc.BadRequest',
  ];
  const seen = new Set<string>();
  const visit = (type: protobuf.Type): void => {
    const name = tableName(type);
    if (seen.has(name)) return;
    seen.add(name);
    for (const field of type.fieldsArray) if (field.resolvedType instanceof protobuf.Type) visit(field.resolvedType);
  };
  for (const root of roots) visit(referenceRoot.lookupType(root));
  t.same([...seen].filter((name) => messages[name] === undefined), [], 'reachable messages missing from the table');
  // Only the *Data wrappers (file formats, never on the wire) are left out.
  t.same(
    [...reference.types.keys()].filter((name) => messages[name] === undefined).sort(),
    ['LogsData', 'MetricsData', 'TracesData'],
  );
  for (const s of allSignals) {
    t.equal(`${reference.types.get(requestMessage[s])?.fullName}`, `.${signals[s].requestType}`);
    t.equal(`${reference.types.get(responseMessage[s])?.fullName}`, `.${signals[s].responseType}`);
  }
});

t.test('enums match proto/', async (t) => {
  const used = new Set(Object.values(messages).flatMap((m) => m.fields.flatMap((f) => (f.enumType ? [f.enumType] : []))));
  t.same([...used].sort(), Object.keys(enums).sort(), 'the table holds exactly the enums fields use');
  for (const [name, values] of Object.entries(enums)) {
    t.same(values, reference.enumTypes.get(name)?.values, name);
  }
});

t.test('messageSpec', async (t) => {
  t.equal(messageSpec('Span'), messages.Span);
  t.throws(() => messageSpec('NoSuchMessage'), /no such message in the OTLP schema: NoSuchMessage/);
});
