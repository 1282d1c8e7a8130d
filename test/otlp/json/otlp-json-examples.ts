/**
 * Payloads shaped like opentelemetry-proto's examples/{trace,logs,metrics}.json, each in two
 * spellings of the same data: `lenient`, the way real clients and hand-written curl bodies send
 * it (uppercase hex, unquoted 19-digit integers, enum names, snake_case keys, unknown keys,
 * URL-safe unpadded base64, nulls), and `canonical`, the exact text the converter must emit.
 */
import type { Signal } from '../../../src/otlp/signal.js';

export interface JsonExample {
  readonly signal: Signal;
  readonly lenient: string;
  readonly canonical: string;
}

const resource = '{"attributes":[{"key":"service.name","value":{"stringValue":"my.service"}}]}';
const scope = '{"name":"my.library","version":"1.0.0","attributes":[{"key":"my.scope.attribute","value":{"stringValue":"some scope attribute"}}]}';

export const traceExample: JsonExample = {
  signal: 'traces',
  lenient: `{
    "resource_spans": [{
      "resource": ${resource.slice(0, -1)}, "entityRefs": null, "unknownResourceField": {"a": [1, 2]}},
      "scopeSpans": [{
        "scope": ${scope},
        "spans": [{
          "traceId": "5B8EFFF798038103D269B633813FC60C",
          "span_id": "EEE19B7EC3C1B174",
          "parentSpanId": "eee19B7EC3C1B173",
          "flags": "257",
          "name": "I'm a server span",
          "kind": "SPAN_KIND_SERVER",
          "start_time_unix_nano": 1544712660000000000,
          "endTimeUnixNano": "1544712661000000000",
          "attributes": [
            {"key": "my.span.attr", "value": {"stringValue": "some value"}},
            {"key": "ratio", "value": {"double_value": "NaN"}},
            {"key": "big", "value": {"intValue": 9007199254740993}},
            {"key": "blob", "value": {"bytesValue": "-_8"}},
            {"key": "nothing", "value": {}}
          ],
          "droppedAttributesCount": 0,
          "events": [{"time_unix_nano": 1544712660500000001, "name": "exception", "attributes": null}],
          "links": [{"traceId": "5B8EFFF798038103D269B633813FC60D", "spanId": "EEE19B7EC3C1B175", "flags": 256, "traceState": ""}],
          "status": {"code": "STATUS_CODE_ERROR", "message": "boom"},
          "fooBar": {"nested": [1, 2, {"x": null}]},
          "droppedEventsCount": null
        }]
      }]
    }],
    "unknownTopLevel": true
  }`,
  canonical:
    `{"resourceSpans":[{"resource":${resource},"scopeSpans":[{"scope":${scope},"spans":[{` +
    '"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","parentSpanId":"eee19b7ec3c1b173",' +
    '"flags":257,"name":"I\'m a server span","kind":2,' +
    '"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000",' +
    '"attributes":[{"key":"my.span.attr","value":{"stringValue":"some value"}},{"key":"ratio","value":{"doubleValue":"NaN"}},' +
    '{"key":"big","value":{"intValue":"9007199254740993"}},{"key":"blob","value":{"bytesValue":"+/8="}},{"key":"nothing","value":{}}],' +
    '"events":[{"timeUnixNano":"1544712660500000001","name":"exception"}],' +
    '"links":[{"traceId":"5b8efff798038103d269b633813fc60d","spanId":"eee19b7ec3c1b175","flags":256}],' +
    '"status":{"message":"boom","code":2}}]}]}]}',
};

export const logsExample: JsonExample = {
  signal: 'logs',
  lenient: `{
    "resourceLogs": [{
      "resource": ${resource},
      "scope_logs": [{
        "scope": ${scope},
        "log_records": [{
          "timeUnixNano": 1544712660300000000,
          "observed_time_unix_nano": "1544712660300000000",
          "severityNumber": "SEVERITY_NUMBER_INFO2",
          "severityText": "Information",
          "traceId": "5B8EFFF798038103D269B633813FC60C",
          "spanId": "EEE19B7EC3C1B174",
          "body": {"stringValue": "Example log record"},
          "attributes": [
            {"key": "string.attribute", "value": {"stringValue": "some string"}},
            {"key": "boolean.attribute", "value": {"boolValue": true}},
            {"key": "int.attribute", "value": {"intValue": 10}},
            {"key": "double.attribute", "value": {"doubleValue": 637.704}},
            {"key": "array.attribute", "value": {"arrayValue": {"values": [{"stringValue": "many"}, {"intValue": "-18"}, {"doubleValue": "Infinity"}]}}},
            {"key": "map.attribute", "value": {"kvlistValue": {"values": [{"key": "some.map.key", "value": {"stringValue": "some value"}}]}}}
          ],
          "flags": 1,
          "event_name": "my.event",
          "instrumentationLibrary": {"name": "legacy key, ignored"}
        }]
      }],
      "schemaUrl": "https://opentelemetry.io/schemas/1.21.0"
    }]
  }`,
  canonical:
    `{"resourceLogs":[{"resource":${resource},"scopeLogs":[{"scope":${scope},"logRecords":[{` +
    '"timeUnixNano":"1544712660300000000","observedTimeUnixNano":"1544712660300000000","severityNumber":10,' +
    '"severityText":"Information","body":{"stringValue":"Example log record"},"attributes":[' +
    '{"key":"string.attribute","value":{"stringValue":"some string"}},{"key":"boolean.attribute","value":{"boolValue":true}},' +
    '{"key":"int.attribute","value":{"intValue":"10"}},{"key":"double.attribute","value":{"doubleValue":637.704}},' +
    '{"key":"array.attribute","value":{"arrayValue":{"values":[{"stringValue":"many"},{"intValue":"-18"},{"doubleValue":"Infinity"}]}}},' +
    '{"key":"map.attribute","value":{"kvlistValue":{"values":[{"key":"some.map.key","value":{"stringValue":"some value"}}]}}}],' +
    '"flags":1,"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","eventName":"my.event"}]}],' +
    '"schemaUrl":"https://opentelemetry.io/schemas/1.21.0"}]}',
};

export const metricsExample: JsonExample = {
  signal: 'metrics',
  lenient: `{
    "resource_metrics": [{
      "resource": ${resource},
      "scope_metrics": [{
        "scope": ${scope},
        "metrics": [
          {"name": "my.counter", "unit": "1", "description": "I am a Counter",
           "sum": {"aggregation_temporality": "AGGREGATION_TEMPORALITY_DELTA", "is_monotonic": true,
             "data_points": [{"asDouble": 5, "start_time_unix_nano": 1544712660300000000, "timeUnixNano": "1544712660300000000",
               "attributes": [{"key": "my.counter.attr", "value": {"stringValue": "some value"}}]}]}},
          {"name": "my.gauge", "unit": "1", "description": "I am a Gauge",
           "gauge": {"dataPoints": [{"as_double": "NaN", "timeUnixNano": 1544712660300000000}, {"asInt": -9223372036854775808}]}},
          {"name": "my.histogram", "unit": "1", "description": "I am a Histogram",
           "histogram": {"aggregationTemporality": 1, "dataPoints": [{"startTimeUnixNano": 1544712660300000000, "timeUnixNano": 1544712660300000000,
             "count": 2, "sum": 2, "bucketCounts": [1, "1"], "explicitBounds": [1], "min": 0, "max": 2}]}},
          {"name": "my.exponential.histogram", "unit": "1", "description": "I am an Exponential Histogram",
           "exponential_histogram": {"aggregationTemporality": 1, "dataPoints": [{"startTimeUnixNano": "1544712660300000000", "timeUnixNano": "1544712660300000000",
             "count": 3, "sum": 10, "scale": -2, "zeroCount": 1, "positive": {"offset": 1, "bucket_counts": [0, 2]},
             "min": 0, "max": 5, "zeroThreshold": 0, "exemplars": [{"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "EEE19B7EC3C1B174",
               "asInt": "7", "time_unix_nano": 1544712660300000000, "filteredAttributes": []}]}]}},
          {"name": "my.summary", "summary": {"dataPoints": [{"count": "18446744073709551615", "sum": 1.5,
             "quantileValues": [{"quantile": 0.5, "value": 1}, {"quantile": 1, "value": "-Infinity"}]}]}}
        ]
      }]
    }]
  }`,
  canonical:
    `{"resourceMetrics":[{"resource":${resource},"scopeMetrics":[{"scope":${scope},"metrics":[` +
    '{"name":"my.counter","description":"I am a Counter","unit":"1","sum":{"dataPoints":[{' +
    '"attributes":[{"key":"my.counter.attr","value":{"stringValue":"some value"}}],' +
    '"startTimeUnixNano":"1544712660300000000","timeUnixNano":"1544712660300000000","asDouble":5}],' +
    '"aggregationTemporality":1,"isMonotonic":true}},' +
    '{"name":"my.gauge","description":"I am a Gauge","unit":"1","gauge":{"dataPoints":[' +
    '{"timeUnixNano":"1544712660300000000","asDouble":"NaN"},{"asInt":"-9223372036854775808"}]}},' +
    '{"name":"my.histogram","description":"I am a Histogram","unit":"1","histogram":{"dataPoints":[{' +
    '"startTimeUnixNano":"1544712660300000000","timeUnixNano":"1544712660300000000","count":"2","sum":2,' +
    '"bucketCounts":["1","1"],"explicitBounds":[1],"min":0,"max":2}],"aggregationTemporality":1}},' +
    '{"name":"my.exponential.histogram","description":"I am an Exponential Histogram","unit":"1","exponentialHistogram":{"dataPoints":[{' +
    '"startTimeUnixNano":"1544712660300000000","timeUnixNano":"1544712660300000000","count":"3","sum":10,"scale":-2,' +
    '"zeroCount":"1","positive":{"offset":1,"bucketCounts":["0","2"]},"exemplars":[{"timeUnixNano":"1544712660300000000",' +
    '"asInt":"7","spanId":"eee19b7ec3c1b174","traceId":"5b8efff798038103d269b633813fc60c"}],"min":0,"max":5}],' +
    '"aggregationTemporality":1}},' +
    '{"name":"my.summary","summary":{"dataPoints":[{"count":"18446744073709551615","sum":1.5,' +
    '"quantileValues":[{"quantile":0.5,"value":1},{"quantile":1,"value":"-Infinity"}]}]}}' +
    ']}]}]}',
};

export const jsonExamples: readonly JsonExample[] = [traceExample, logsExample, metricsExample];
