// The shipped example configurations (config/) load, and mean what their comments say.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { parseCliArgs } from '../../src/config/cli-args.js';
import { loadConfig, parseYaml } from '../../src/config/load-config.js';
import { parseConfig } from '../../src/config/parse-config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.resolve(root, file), 'utf8');

t.test('config/debug.yaml', async (t) => {
  const config = loadConfig(['--config', 'config/debug.yaml'], { HOSTNAME: 'node-1' }, read);
  t.same(config.exporter, { type: 'debug', verbosity: 'basic' });
  t.same(config.processor.rules.tags.map((tag) => `${tag.key}=${String(tag.value.value)}`), ['env=dev', 'host.name=node-1']);
  t.equal(config.processor.rules.defaultPolicy, 'skip');
});

t.test('config/tempo.yaml', async (t) => {
  const config = loadConfig(['--config', 'config/tempo.yaml'], { TEMPO_TENANT: 'team-a', CLUSTER: 'eu-1' }, read);
  t.match(config.exporter, { type: 'otlp', protocol: 'grpc', endpoints: { traces: 'http://tempo-distributor:4317' }, headers: { 'x-scope-orgid': 'team-a' } });
  t.same(config.pipelines, { traces: true, logs: false, metrics: false });
  t.equal(config.receivers.grpc?.maxRecvMsgSizeBytes, 4 * 1024 * 1024);
  t.same(config.processor.rules.policies, { 'k8s.cluster.name': 'override' });
});

t.test('config/kubernetes: the DaemonSet ConfigMap and the sidecar args', async (t) => {
  const daemonset = parseAllDocuments(read('config/kubernetes/daemonset.yaml')).map((doc) => doc.toJS());
  const configMap = daemonset.find((doc) => doc.kind === 'ConfigMap');
  const config = parseConfig(parseYaml(configMap.data['config.yaml'], 'config.yaml'), {
    CLUSTER_NAME: 'eu-west-1-prod',
    NODE_NAME: 'node-1',
    TEMPO_TENANT: 'platform',
  });
  t.same(config.processor.rules.tags.map((tag) => tag.key), ['k8s.cluster.name', 'k8s.node.name', 'deployment.environment.name']);
  t.match(config.exporter, { type: 'otlp', headers: { 'x-scope-orgid': 'platform' } });

  const sidecar = parseAllDocuments(read('config/kubernetes/sidecar.yaml')).map((doc) => doc.toJS());
  const container = sidecar[0].spec.template.spec.containers.find((c: { name: string }) => c.name === 'otlp-tagger');
  const fromArgs = parseConfig(undefined, { POD_NAME: 'p', POD_NAMESPACE: 'shop', NODE_NAME: 'n' }, { args: parseCliArgs(container.args) });
  t.same(fromArgs.processor.rules.tags.map((tag) => `${tag.key}=${String(tag.value.value)}`), [
    'k8s.pod.name=p',
    'k8s.namespace.name=shop',
    'k8s.node.name=n',
    'k8s.cluster.name=unknown',
  ]);
  t.match(fromArgs.receivers, { grpc: { endpoint: '127.0.0.1:4317' }, http: { endpoint: '127.0.0.1:4318' } });
});
