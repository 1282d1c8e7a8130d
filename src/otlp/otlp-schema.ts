/**
 * The OTLP message schema as a table: field numbers, kinds and JSON names, for the deep
 * structural validator and the JSON converters. It mirrors proto/ (opentelemetry-proto v1.11.0);
 * test/otlp/otlp-schema.test.ts checks the two agree field by field.
 */

export type ScalarKind =
  | 'string'
  | 'bytes'
  | 'bool'
  | 'int32'
  | 'int64'
  | 'uint32'
  | 'uint64'
  | 'sint32'
  | 'fixed32'
  | 'fixed64'
  | 'sfixed64'
  | 'double'
  | 'enum';

export type FieldKind = ScalarKind | 'message';

export interface FieldSpec {
  readonly no: number;
  /** lowerCamelCase JSON name. */
  readonly name: string;
  /** The proto (snake_case) name, also accepted in JSON. */
  readonly protoName: string;
  readonly kind: FieldKind;
  readonly repeated: boolean;
  /** Message type name (key of `messages`) when kind is 'message'. */
  readonly message?: string;
  /** Enum type name (key of `enums`) when kind is 'enum'. */
  readonly enumType?: string;
  /** Member of a oneof, or proto3 `optional`: present on the wire even at its default value. */
  readonly explicitPresence: boolean;
  /** Name of the oneof this field belongs to (proto3 `optional` fields have none): at most one is set. */
  readonly oneof?: string;
  /** OTLP's JSON exception: these bytes fields are hex strings, not base64. */
  readonly hex: boolean;
}

export interface MessageSpec {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  readonly byNo: ReadonlyMap<number, FieldSpec>;
  /** JSON key (camelCase or snake_case) → field. */
  readonly byJsonKey: ReadonlyMap<string, FieldSpec>;
}

interface FieldOptions {
  repeated?: boolean;
  message?: string;
  enumType?: string;
  presence?: boolean;
  oneof?: string;
  hex?: boolean;
}

function toCamel(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function field(no: number, protoName: string, kind: FieldKind, options: FieldOptions = {}): FieldSpec {
  return Object.freeze({
    no,
    name: toCamel(protoName),
    protoName,
    kind,
    repeated: options.repeated ?? false,
    message: options.message,
    enumType: options.enumType,
    explicitPresence: options.presence ?? options.oneof !== undefined,
    oneof: options.oneof,
    hex: options.hex ?? false,
  });
}

const rep = { repeated: true } as const;
const msg = (message: string, repeated = false): FieldOptions => ({ message, repeated });
const optional = { presence: true } as const;
const oneof = (name: string, message?: string): FieldOptions => ({ oneof: name, message });
const hex = { hex: true } as const;

const table: Record<string, FieldSpec[]> = {
  // collector services
  ExportTraceServiceRequest: [field(1, 'resource_spans', 'message', msg('ResourceSpans', true))],
  ExportLogsServiceRequest: [field(1, 'resource_logs', 'message', msg('ResourceLogs', true))],
  ExportMetricsServiceRequest: [field(1, 'resource_metrics', 'message', msg('ResourceMetrics', true))],
  ExportTraceServiceResponse: [field(1, 'partial_success', 'message', msg('ExportTracePartialSuccess'))],
  ExportLogsServiceResponse: [field(1, 'partial_success', 'message', msg('ExportLogsPartialSuccess'))],
  ExportMetricsServiceResponse: [field(1, 'partial_success', 'message', msg('ExportMetricsPartialSuccess'))],
  ExportTracePartialSuccess: [field(1, 'rejected_spans', 'int64'), field(2, 'error_message', 'string')],
  ExportLogsPartialSuccess: [field(1, 'rejected_log_records', 'int64'), field(2, 'error_message', 'string')],
  ExportMetricsPartialSuccess: [field(1, 'rejected_data_points', 'int64'), field(2, 'error_message', 'string')],

  // common and resource
  Resource: [
    field(1, 'attributes', 'message', msg('KeyValue', true)),
    field(2, 'dropped_attributes_count', 'uint32'),
    field(3, 'entity_refs', 'message', msg('EntityRef', true)),
  ],
  EntityRef: [
    field(1, 'schema_url', 'string'),
    field(2, 'type', 'string'),
    field(3, 'id_keys', 'string', rep),
    field(4, 'description_keys', 'string', rep),
  ],
  KeyValue: [
    field(1, 'key', 'string'),
    field(2, 'value', 'message', msg('AnyValue')),
    field(3, 'key_strindex', 'int32'),
  ],
  AnyValue: [
    field(1, 'string_value', 'string', oneof('value')),
    field(2, 'bool_value', 'bool', oneof('value')),
    field(3, 'int_value', 'int64', oneof('value')),
    field(4, 'double_value', 'double', oneof('value')),
    field(5, 'array_value', 'message', oneof('value', 'ArrayValue')),
    field(6, 'kvlist_value', 'message', oneof('value', 'KeyValueList')),
    field(7, 'bytes_value', 'bytes', oneof('value')),
    field(8, 'string_value_strindex', 'int32', oneof('value')),
  ],
  ArrayValue: [field(1, 'values', 'message', msg('AnyValue', true))],
  KeyValueList: [field(1, 'values', 'message', msg('KeyValue', true))],
  InstrumentationScope: [
    field(1, 'name', 'string'),
    field(2, 'version', 'string'),
    field(3, 'attributes', 'message', msg('KeyValue', true)),
    field(4, 'dropped_attributes_count', 'uint32'),
  ],

  // traces
  ResourceSpans: [
    field(1, 'resource', 'message', msg('Resource')),
    field(2, 'scope_spans', 'message', msg('ScopeSpans', true)),
    field(3, 'schema_url', 'string'),
  ],
  ScopeSpans: [
    field(1, 'scope', 'message', msg('InstrumentationScope')),
    field(2, 'spans', 'message', msg('Span', true)),
    field(3, 'schema_url', 'string'),
  ],
  Span: [
    field(1, 'trace_id', 'bytes', hex),
    field(2, 'span_id', 'bytes', hex),
    field(3, 'trace_state', 'string'),
    field(4, 'parent_span_id', 'bytes', hex),
    field(16, 'flags', 'fixed32'),
    field(5, 'name', 'string'),
    field(6, 'kind', 'enum', { enumType: 'SpanKind' }),
    field(7, 'start_time_unix_nano', 'fixed64'),
    field(8, 'end_time_unix_nano', 'fixed64'),
    field(9, 'attributes', 'message', msg('KeyValue', true)),
    field(10, 'dropped_attributes_count', 'uint32'),
    field(11, 'events', 'message', msg('Span.Event', true)),
    field(12, 'dropped_events_count', 'uint32'),
    field(13, 'links', 'message', msg('Span.Link', true)),
    field(14, 'dropped_links_count', 'uint32'),
    field(15, 'status', 'message', msg('Status')),
  ],
  'Span.Event': [
    field(1, 'time_unix_nano', 'fixed64'),
    field(2, 'name', 'string'),
    field(3, 'attributes', 'message', msg('KeyValue', true)),
    field(4, 'dropped_attributes_count', 'uint32'),
  ],
  'Span.Link': [
    field(1, 'trace_id', 'bytes', hex),
    field(2, 'span_id', 'bytes', hex),
    field(3, 'trace_state', 'string'),
    field(4, 'attributes', 'message', msg('KeyValue', true)),
    field(5, 'dropped_attributes_count', 'uint32'),
    field(6, 'flags', 'fixed32'),
  ],
  Status: [field(2, 'message', 'string'), field(3, 'code', 'enum', { enumType: 'StatusCode' })],

  // logs
  ResourceLogs: [
    field(1, 'resource', 'message', msg('Resource')),
    field(2, 'scope_logs', 'message', msg('ScopeLogs', true)),
    field(3, 'schema_url', 'string'),
  ],
  ScopeLogs: [
    field(1, 'scope', 'message', msg('InstrumentationScope')),
    field(2, 'log_records', 'message', msg('LogRecord', true)),
    field(3, 'schema_url', 'string'),
  ],
  LogRecord: [
    field(1, 'time_unix_nano', 'fixed64'),
    field(11, 'observed_time_unix_nano', 'fixed64'),
    field(2, 'severity_number', 'enum', { enumType: 'SeverityNumber' }),
    field(3, 'severity_text', 'string'),
    field(5, 'body', 'message', msg('AnyValue')),
    field(6, 'attributes', 'message', msg('KeyValue', true)),
    field(7, 'dropped_attributes_count', 'uint32'),
    field(8, 'flags', 'fixed32'),
    field(9, 'trace_id', 'bytes', hex),
    field(10, 'span_id', 'bytes', hex),
    field(12, 'event_name', 'string'),
  ],

  // metrics
  ResourceMetrics: [
    field(1, 'resource', 'message', msg('Resource')),
    field(2, 'scope_metrics', 'message', msg('ScopeMetrics', true)),
    field(3, 'schema_url', 'string'),
  ],
  ScopeMetrics: [
    field(1, 'scope', 'message', msg('InstrumentationScope')),
    field(2, 'metrics', 'message', msg('Metric', true)),
    field(3, 'schema_url', 'string'),
  ],
  Metric: [
    field(1, 'name', 'string'),
    field(2, 'description', 'string'),
    field(3, 'unit', 'string'),
    field(5, 'gauge', 'message', oneof('data', 'Gauge')),
    field(7, 'sum', 'message', oneof('data', 'Sum')),
    field(9, 'histogram', 'message', oneof('data', 'Histogram')),
    field(10, 'exponential_histogram', 'message', oneof('data', 'ExponentialHistogram')),
    field(11, 'summary', 'message', oneof('data', 'Summary')),
    field(12, 'metadata', 'message', msg('KeyValue', true)),
  ],
  Gauge: [field(1, 'data_points', 'message', msg('NumberDataPoint', true))],
  Sum: [
    field(1, 'data_points', 'message', msg('NumberDataPoint', true)),
    field(2, 'aggregation_temporality', 'enum', { enumType: 'AggregationTemporality' }),
    field(3, 'is_monotonic', 'bool'),
  ],
  Histogram: [
    field(1, 'data_points', 'message', msg('HistogramDataPoint', true)),
    field(2, 'aggregation_temporality', 'enum', { enumType: 'AggregationTemporality' }),
  ],
  ExponentialHistogram: [
    field(1, 'data_points', 'message', msg('ExponentialHistogramDataPoint', true)),
    field(2, 'aggregation_temporality', 'enum', { enumType: 'AggregationTemporality' }),
  ],
  Summary: [field(1, 'data_points', 'message', msg('SummaryDataPoint', true))],
  NumberDataPoint: [
    field(7, 'attributes', 'message', msg('KeyValue', true)),
    field(2, 'start_time_unix_nano', 'fixed64'),
    field(3, 'time_unix_nano', 'fixed64'),
    field(4, 'as_double', 'double', oneof('value')),
    field(6, 'as_int', 'sfixed64', oneof('value')),
    field(5, 'exemplars', 'message', msg('Exemplar', true)),
    field(8, 'flags', 'uint32'),
  ],
  HistogramDataPoint: [
    field(9, 'attributes', 'message', msg('KeyValue', true)),
    field(2, 'start_time_unix_nano', 'fixed64'),
    field(3, 'time_unix_nano', 'fixed64'),
    field(4, 'count', 'fixed64'),
    field(5, 'sum', 'double', optional),
    field(6, 'bucket_counts', 'fixed64', rep),
    field(7, 'explicit_bounds', 'double', rep),
    field(8, 'exemplars', 'message', msg('Exemplar', true)),
    field(10, 'flags', 'uint32'),
    field(11, 'min', 'double', optional),
    field(12, 'max', 'double', optional),
  ],
  ExponentialHistogramDataPoint: [
    field(1, 'attributes', 'message', msg('KeyValue', true)),
    field(2, 'start_time_unix_nano', 'fixed64'),
    field(3, 'time_unix_nano', 'fixed64'),
    field(4, 'count', 'fixed64'),
    field(5, 'sum', 'double', optional),
    field(6, 'scale', 'sint32'),
    field(7, 'zero_count', 'fixed64'),
    field(8, 'positive', 'message', msg('ExponentialHistogramDataPoint.Buckets')),
    field(9, 'negative', 'message', msg('ExponentialHistogramDataPoint.Buckets')),
    field(10, 'flags', 'uint32'),
    field(11, 'exemplars', 'message', msg('Exemplar', true)),
    field(12, 'min', 'double', optional),
    field(13, 'max', 'double', optional),
    field(14, 'zero_threshold', 'double'),
  ],
  'ExponentialHistogramDataPoint.Buckets': [
    field(1, 'offset', 'sint32'),
    field(2, 'bucket_counts', 'uint64', rep),
  ],
  SummaryDataPoint: [
    field(7, 'attributes', 'message', msg('KeyValue', true)),
    field(2, 'start_time_unix_nano', 'fixed64'),
    field(3, 'time_unix_nano', 'fixed64'),
    field(4, 'count', 'fixed64'),
    field(5, 'sum', 'double'),
    field(6, 'quantile_values', 'message', msg('SummaryDataPoint.ValueAtQuantile', true)),
    field(8, 'flags', 'uint32'),
  ],
  'SummaryDataPoint.ValueAtQuantile': [field(1, 'quantile', 'double'), field(2, 'value', 'double')],
  Exemplar: [
    field(7, 'filtered_attributes', 'message', msg('KeyValue', true)),
    field(2, 'time_unix_nano', 'fixed64'),
    field(3, 'as_double', 'double', oneof('value')),
    field(6, 'as_int', 'sfixed64', oneof('value')),
    field(4, 'span_id', 'bytes', hex),
    field(5, 'trace_id', 'bytes', hex),
  ],

  // google.rpc
  'google.rpc.Status': [
    field(1, 'code', 'int32'),
    field(2, 'message', 'string'),
    field(3, 'details', 'message', msg('google.protobuf.Any', true)),
  ],
  'google.protobuf.Any': [field(1, 'type_url', 'string'), field(2, 'value', 'bytes')],
  'google.rpc.RetryInfo': [field(1, 'retry_delay', 'message', msg('google.protobuf.Duration'))],
  'google.protobuf.Duration': [field(1, 'seconds', 'int64'), field(2, 'nanos', 'int32')],
  'google.rpc.BadRequest': [field(1, 'field_violations', 'message', msg('google.rpc.BadRequest.FieldViolation', true))],
  'google.rpc.BadRequest.FieldViolation': [field(1, 'field', 'string'), field(2, 'description', 'string')],
};

export const enums: Readonly<Record<string, Readonly<Record<string, number>>>> = Object.freeze({
  SpanKind: Object.freeze({
    SPAN_KIND_UNSPECIFIED: 0,
    SPAN_KIND_INTERNAL: 1,
    SPAN_KIND_SERVER: 2,
    SPAN_KIND_CLIENT: 3,
    SPAN_KIND_PRODUCER: 4,
    SPAN_KIND_CONSUMER: 5,
  }),
  StatusCode: Object.freeze({ STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 }),
  SeverityNumber: Object.freeze(
    Object.fromEntries([
      ['SEVERITY_NUMBER_UNSPECIFIED', 0],
      ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((level, i) =>
        ['', '2', '3', '4'].map((n, j): [string, number] => [`SEVERITY_NUMBER_${level}${n}`, i * 4 + j + 1]),
      ),
    ]),
  ),
  AggregationTemporality: Object.freeze({
    AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
    AGGREGATION_TEMPORALITY_DELTA: 1,
    AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
  }),
});

function build(name: string, fields: FieldSpec[]): MessageSpec {
  const byJsonKey = new Map<string, FieldSpec>();
  for (const f of fields) {
    byJsonKey.set(f.name, f);
    byJsonKey.set(f.protoName, f);
  }
  return Object.freeze({
    name,
    fields: Object.freeze(fields),
    byNo: new Map(fields.map((f) => [f.no, f])),
    byJsonKey,
  });
}

export const messages: Readonly<Record<string, MessageSpec>> = Object.freeze(
  Object.fromEntries(Object.entries(table).map(([name, fields]) => [name, build(name, fields)])),
);

export function messageSpec(name: string): MessageSpec {
  const spec = messages[name];
  if (spec === undefined) throw new Error(`no such message in the OTLP schema: ${name}`);
  return spec;
}

/** Request message name per signal. */
export const requestMessage = Object.freeze({
  traces: 'ExportTraceServiceRequest',
  logs: 'ExportLogsServiceRequest',
  metrics: 'ExportMetricsServiceRequest',
} as const);

export const responseMessage = Object.freeze({
  traces: 'ExportTraceServiceResponse',
  logs: 'ExportLogsServiceResponse',
  metrics: 'ExportMetricsServiceResponse',
} as const);
