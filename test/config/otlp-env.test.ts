import t from 'tap';
import { otlpEnvOptionNames, readOtlpEnv } from '../../src/config/otlp-env.js';

function read(env: Record<string, string>) {
  const warnings: string[] = [];
  return { settings: readOtlpEnv(env, warnings), warnings };
}

t.test('nothing set', async (t) => {
  const { settings, warnings } = read({});
  t.same(settings, { traces: {}, logs: {}, metrics: {} });
  t.same(warnings, []);
});

t.test('generic values apply to every signal; per-signal ones override (checklist 70, 71)', async (t) => {
  const { settings, warnings } = read({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/base/',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-scope-orgid=tenant1,authorization=Bearer%20abc',
    OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-scope-orgid=tenant2',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'none',
    OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '0',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_CERTIFICATE: '/ca.pem',
    OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: '/key.pem',
    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/cert.pem',
    OTEL_EXPORTER_OTLP_INSECURE: 'TRUE',
    OTEL_EXPORTER_OTLP_METRICS_INSECURE: 'yes',
  });
  t.same(warnings, []);
  t.same(settings.traces, {
    protocol: { value: 'grpc', source: 'OTEL_EXPORTER_OTLP_PROTOCOL' },
    headers: { value: { 'x-scope-orgid': 'tenant1', authorization: 'Bearer abc' }, source: 'OTEL_EXPORTER_OTLP_HEADERS' },
    compression: { value: 'gzip', source: 'OTEL_EXPORTER_OTLP_COMPRESSION' },
    timeoutMillis: { value: 0, source: 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT' },
    certificate: { value: '/ca.pem', source: 'OTEL_EXPORTER_OTLP_CERTIFICATE' },
    clientKey: { value: '/key.pem', source: 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY' },
    clientCertificate: { value: '/cert.pem', source: 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE' },
    insecure: { value: true, source: 'OTEL_EXPORTER_OTLP_INSECURE' },
    endpoint: { value: 'http://c:4318', source: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', perSignal: true },
  });
  t.same(settings.logs.headers, { value: { 'x-scope-orgid': 'tenant2' }, source: 'OTEL_EXPORTER_OTLP_LOGS_HEADERS' }, 'whole variable overrides');
  t.same(settings.logs.protocol?.value, 'http/json');
  t.same(settings.logs.endpoint, { value: 'http://c:4318/base/', source: 'OTEL_EXPORTER_OTLP_ENDPOINT', perSignal: false });
  t.same(settings.logs.clientKey, undefined);
  t.same(settings.metrics.compression?.value, 'none');
  t.same(settings.metrics.timeoutMillis?.value, 5000);
  t.same(settings.metrics.insecure, { value: false, source: 'OTEL_EXPORTER_OTLP_METRICS_INSECURE' }, 'only "true" is true');
});

t.test('empty values are unset (checklist 75)', async (t) => {
  const { settings } = read({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
    OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: '',
    OTEL_EXPORTER_OTLP_HEADERS: '',
  });
  t.same(settings.traces.endpoint?.source, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  t.same(settings.traces.compression?.source, 'OTEL_EXPORTER_OTLP_COMPRESSION');
  t.same(settings.traces.headers, undefined);
});

t.test('invalid values: warning and ignored (checklist 63, 72, 73)', async (t) => {
  const { settings, warnings } = read({
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd',
    OTEL_EXPORTER_OTLP_TIMEOUT: '-5',
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '10s',
    OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'none',
  });
  t.same(warnings, [
    'OTEL_EXPORTER_OTLP_PROTOCOL="http" is not one of grpc, http/protobuf, http/json; ignored',
    'OTEL_EXPORTER_OTLP_COMPRESSION="zstd" is not one of gzip, none; ignored',
    'OTEL_EXPORTER_OTLP_TIMEOUT="-5" is negative; ignored',
    'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="10s" is not an integer number of milliseconds; ignored',
  ]);
  t.same(settings.traces, {});
  t.same(settings.logs, { compression: { value: 'none', source: 'OTEL_EXPORTER_OTLP_LOGS_COMPRESSION' } });
});

t.test('headers: W3C-baggage-like, percent-decoded, bad entries skipped', async (t) => {
  const { settings, warnings } = read({
    OTEL_EXPORTER_OTLP_HEADERS: ' X-Scope-OrgID = tenant1 ,,novalue,bad name=x,k=%ZZ,api-key=a%3Db%2Cc,split=%0D%0Ainjected=1,trailing=,',
  });
  t.same(settings.traces.headers?.value, { 'x-scope-orgid': 'tenant1', 'api-key': 'a=b,c', trailing: '' });
  t.same(warnings, [
    'OTEL_EXPORTER_OTLP_HEADERS: "novalue" has no "="; entry skipped',
    'OTEL_EXPORTER_OTLP_HEADERS: invalid header name "bad name"; entry skipped',
    'OTEL_EXPORTER_OTLP_HEADERS: the value of "k" is not valid percent-encoding; entry skipped',
    'OTEL_EXPORTER_OTLP_HEADERS: header "split" has a line break or NUL in its value; entry skipped',
  ]);
});

t.test('option names', async (t) => {
  t.equal(otlpEnvOptionNames.clientCertificate, 'CLIENT_CERTIFICATE');
  t.ok(Object.isFrozen(otlpEnvOptionNames));
});
