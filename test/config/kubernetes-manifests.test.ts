// The Kubernetes manifests (config/kubernetes/*.yaml) checked without a cluster: every document
// is a known kind, names are valid, selectors, Services, HPAs and PDBs point at workloads that
// exist, and every otlp-tagger container's flags and mounted config load with our own loader and
// agree with its ports, probes, annotations, resources, security context and grace period.
// No JSON-schema validation here: no schema package is a dependency (docs/kubernetes.md says
// how the manifests were checked against the Kubernetes schemas).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { parseCliArgs } from '../../src/config/cli-args.js';
import type { Config } from '../../src/config/config.js';
import { isLoopbackHost, splitListenEndpoint } from '../../src/config/endpoint.js';
import { loadConfig } from '../../src/config/load-config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'config/kubernetes');
const files = readdirSync(dir).filter((name) => name.endsWith('.yaml')).sort();

type Labels = Readonly<Record<string, string>>;
interface Metadata {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Labels;
  readonly annotations?: Labels;
}
interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: Metadata;
  readonly data?: Readonly<Record<string, string>>;
  readonly spec?: Readonly<Record<string, unknown>>;
}
interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly hostPort?: number;
}
interface Probe {
  readonly httpGet?: { readonly path?: string; readonly port?: string | number; readonly scheme?: string };
}
interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly fieldRef?: { readonly fieldPath: string };
    readonly configMapKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
  };
}
interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly ContainerPort[];
  readonly livenessProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly resources?: { readonly requests?: Labels; readonly limits?: Labels };
  readonly securityContext?: {
    readonly runAsNonRoot?: boolean;
    readonly readOnlyRootFilesystem?: boolean;
    readonly allowPrivilegeEscalation?: boolean;
    readonly capabilities?: { readonly drop?: readonly string[] };
  };
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }[];
  readonly lifecycle?: { readonly preStop?: { readonly sleep?: { readonly seconds: number } } };
}
interface Volume {
  readonly name: string;
  readonly configMap?: { readonly name: string; readonly items?: readonly { readonly key: string; readonly path: string }[] };
  readonly emptyDir?: unknown;
}
interface PodSpec {
  readonly containers: readonly Container[];
  readonly volumes?: readonly Volume[];
  readonly terminationGracePeriodSeconds?: number;
  readonly securityContext?: { readonly runAsNonRoot?: boolean };
}
interface LabelSelector {
  readonly matchLabels?: Labels;
}
interface WorkloadSpec {
  readonly replicas?: number;
  readonly selector?: LabelSelector;
  readonly serviceName?: string;
  readonly template: { readonly metadata?: Metadata; readonly spec: PodSpec };
  readonly volumeClaimTemplates?: readonly { readonly metadata: Metadata }[];
}

interface Doc {
  readonly where: string;
  readonly object: KubeObject;
}

const knownKinds = new Set([
  'v1/ConfigMap',
  'v1/Service',
  'apps/v1/Deployment',
  'apps/v1/DaemonSet',
  'apps/v1/StatefulSet',
  'autoscaling/v2/HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget',
]);
const workloadKinds = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);

// Kubernetes' validation rules (k8s.io/apimachinery/pkg/util/validation).
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const isLabel = (name: string) => name.length <= 63 && dns1123Label.test(name);
const isSubdomain = (name: string) => name.length <= 253 && dns1123Subdomain.test(name);
const isServiceName = (name: string) => name.length <= 63 && dns1035Label.test(name);
/** IANA_SVC_NAME: what a named port may be called. */
const isPortName = (name: string) => name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes('--');

/** The downward API's env fieldPaths. */
const fieldPaths = new Set(['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.podIP']);

/** Memory quantity (`96Mi`, `1G`, `512`) in bytes; CPU (`50m`, `1`, `0.5`) in millicores. */
function quantity(text: string | undefined, unit: 'bytes' | 'millicores'): number {
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|Ki|Mi|Gi)?$/.exec(String(text));
  if (match === null) return Number.NaN;
  const scale: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
  const value = Number(match[1]) * scale[match[2] ?? ''];
  return unit === 'millicores' ? value * 1000 : value;
}

/** The measured idle RSS of Node 20 (60–70 MiB, bench `idle`): no memory request or limit below it. */
const idleRssBytes = 70 * 2 ** 20;

const docs: Doc[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((doc, index) => {
    const where = `${file}#${index}`;
    if (doc.errors.length > 0 || doc.warnings.length > 0) throw new Error(`${where}: ${[...doc.errors, ...doc.warnings].map((e) => e.message).join('; ')}`);
    return { where, object: doc.toJS() as KubeObject };
  }),
);

const nameOf = (object: KubeObject) => object.metadata?.name ?? '';
const namespaceOf = (object: KubeObject) => object.metadata?.namespace ?? 'default';
const sameNamespace = (a: KubeObject, b: KubeObject) => namespaceOf(a) === namespaceOf(b);
const workloads = docs.filter((doc) => workloadKinds.has(doc.object.kind ?? ''));
const workloadSpec = (doc: Doc) => doc.object.spec as unknown as WorkloadSpec;
const podLabels = (doc: Doc): Labels => workloadSpec(doc).template.metadata?.labels ?? {};
const selects = (selector: Labels | undefined, labels: Labels) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);
const configMap = (namespace: string, name: string) =>
  docs.find((doc) => doc.object.kind === 'ConfigMap' && namespaceOf(doc.object) === namespace && nameOf(doc.object) === name)?.object;

/** The workloads (same namespace) whose pods a selector picks. */
function selected(owner: KubeObject, selector: Labels | undefined): Doc[] {
  return workloads.filter((doc) => sameNamespace(doc.object, owner) && selects(selector, podLabels(doc)));
}

t.test('the manifests exist and every document is a known kind with valid names', async (t) => {
  t.ok(['daemonset.yaml', 'sidecar.yaml', 'gateway.yaml'].every((file) => files.includes(file)), files.join(', '));
  const seen = new Set<string>();
  for (const { where, object } of docs) {
    t.ok(knownKinds.has(`${object.apiVersion}/${object.kind}`), `${where}: ${object.apiVersion} ${object.kind} is a known pair`);
    const name = nameOf(object);
    t.ok(object.kind === 'Service' ? isServiceName(name) : isSubdomain(name), `${where}: metadata.name "${name}" is valid`);
    t.ok(isLabel(namespaceOf(object)), `${where}: namespace is a DNS-1123 label`);
    const key = `${object.kind}/${namespaceOf(object)}/${name}`;
    t.notOk(seen.has(key), `${where}: ${key} is defined once`);
    seen.add(key);
  }
});

t.test('workloads: selectors, names, volumes, env references', async (t) => {
  for (const doc of workloads) {
    const { where, object } = doc;
    const spec = workloadSpec(doc);
    const labels = podLabels(doc);
    t.ok(selects(spec.selector?.matchLabels, labels), `${where}: spec.selector matches the pod template's labels`);
    const others = workloads.filter((other) => other !== doc && sameNamespace(other.object, object));
    t.notOk(others.some((other) => selects(spec.selector?.matchLabels, podLabels(other))), `${where}: its selector picks no other workload's pods`);

    const pod = spec.template.spec;
    const volumes = new Set([...(pod.volumes ?? []).map((v) => v.name), ...(spec.volumeClaimTemplates ?? []).map((v) => v.metadata.name ?? '')]);
    for (const volume of pod.volumes ?? []) {
      if (volume.configMap === undefined) continue;
      const data = configMap(namespaceOf(object), volume.configMap.name)?.data;
      t.ok(data, `${where}: volume ${volume.name}: ConfigMap ${volume.configMap.name} is in the manifests`);
      for (const item of volume.configMap.items ?? []) t.ok(data?.[item.key] !== undefined, `${where}: ConfigMap key ${item.key} exists`);
    }
    for (const container of pod.containers) {
      t.ok(isLabel(container.name), `${where}: container name ${container.name}`);
      for (const port of container.ports ?? []) {
        t.ok(port.name === undefined || isPortName(port.name), `${where}: port name ${port.name}`);
        t.ok(port.hostPort === undefined || port.hostPort === port.containerPort, `${where}: hostPort ${port.hostPort} = containerPort`);
      }
      for (const mount of container.volumeMounts ?? []) t.ok(volumes.has(mount.name), `${where}: ${container.name} mounts a defined volume ${mount.name}`);
      for (const variable of container.env ?? []) {
        const { fieldRef, configMapKeyRef } = variable.valueFrom ?? {};
        if (fieldRef !== undefined) t.ok(fieldPaths.has(fieldRef.fieldPath), `${where}: ${variable.name} from a downward-API field`);
        if (configMapKeyRef !== undefined) {
          const data = configMap(namespaceOf(object), configMapKeyRef.name)?.data;
          // A ConfigMap the manifests do not ship (cluster-wide facts) must be optional, or pods would not start without it.
          const resolves = data === undefined ? configMapKeyRef.optional === true : data[configMapKeyRef.key] !== undefined;
          t.ok(resolves, `${where}: ${variable.name} from ${configMapKeyRef.name}/${configMapKeyRef.key}`);
        }
      }
    }
    if (object.kind === 'StatefulSet') {
      const governing = docs.find((d) => d.object.kind === 'Service' && sameNamespace(d.object, object) && nameOf(d.object) === spec.serviceName);
      t.equal((governing?.object.spec as { clusterIP?: string } | undefined)?.clusterIP, 'None', `${where}: serviceName names a headless Service`);
    }
  }
});

t.test('Services select one workload and target its named container ports', async (t) => {
  for (const { where, object } of docs.filter((doc) => doc.object.kind === 'Service')) {
    const spec = object.spec as { selector?: Labels; clusterIP?: string; ports: readonly { name?: string; port: number; targetPort?: string | number }[] };
    const targets = selected(object, spec.selector);
    t.equal(targets.length, 1, `${where}: the selector picks exactly one workload's pods`);
    const ports = targets.flatMap((doc) => workloadSpec(doc).template.spec.containers.flatMap((c) => c.ports ?? []));
    for (const port of spec.ports) {
      t.ok(typeof port.targetPort === 'string', `${where}: port ${port.name} targets a named port`);
      t.ok(ports.some((p) => p.name === port.targetPort && p.containerPort === port.port), `${where}: ${port.targetPort} is a container port, on the same number`);
    }
    if (nameOf(object).endsWith('-headless')) t.equal(spec.clusterIP, 'None', `${where}: a -headless Service is headless`);
  }
});

t.test('HPAs and PDBs target existing workloads', async (t) => {
  for (const { where, object } of docs.filter((doc) => doc.object.kind === 'HorizontalPodAutoscaler')) {
    const spec = object.spec as {
      scaleTargetRef: { apiVersion: string; kind: string; name: string };
      minReplicas?: number;
      maxReplicas: number;
      metrics?: readonly { resource?: { name: string } }[];
    };
    const ref = spec.scaleTargetRef;
    const target = workloads.find(
      (doc) => sameNamespace(doc.object, object) && doc.object.kind === ref.kind && doc.object.apiVersion === ref.apiVersion && nameOf(doc.object) === ref.name,
    );
    t.ok(target, `${where}: scaleTargetRef ${ref.kind}/${ref.name} exists`);
    t.not(ref.kind, 'DaemonSet', `${where}: a DaemonSet cannot be scaled`);
    t.ok((spec.minReplicas ?? 1) >= 1 && (spec.minReplicas ?? 1) <= spec.maxReplicas, `${where}: 1 <= minReplicas <= maxReplicas`);
    t.equal(target && workloadSpec(target).replicas, spec.minReplicas, `${where}: the workload starts at the HPA's minimum`);
    // Utilization is a share of the request: without one the HPA has nothing to compute.
    for (const metric of spec.metrics ?? []) {
      const name = metric.resource?.name;
      if (name === undefined || target === undefined) continue;
      t.ok(workloadSpec(target).template.spec.containers.every((c) => c.resources?.requests?.[name] !== undefined), `${where}: every container requests ${name}`);
    }
  }
  for (const { where, object } of docs.filter((doc) => doc.object.kind === 'PodDisruptionBudget')) {
    const spec = object.spec as { selector?: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string };
    const targets = selected(object, spec.selector?.matchLabels);
    t.equal(targets.length, 1, `${where}: the selector picks exactly one workload's pods`);
    t.ok((spec.minAvailable === undefined) !== (spec.maxUnavailable === undefined), `${where}: exactly one of minAvailable, maxUnavailable`);
    const replicas = targets[0] === undefined ? 0 : (workloadSpec(targets[0]).replicas ?? 1);
    // Otherwise no voluntary disruption (a node drain) could ever proceed.
    if (typeof spec.minAvailable === 'number') t.ok(spec.minAvailable < replicas, `${where}: minAvailable below the replica count`);
    if (typeof spec.maxUnavailable === 'number') t.ok(spec.maxUnavailable >= 1, `${where}: maxUnavailable allows a disruption`);
  }
});

/** `${env:X}`, `${X}`, `${X:-d}`, `${X:d}`, `$<X>`, `$<X:d>`: the variables read without a default. */
function requiredVariables(text: string): string[] {
  const names: string[] = [];
  for (const match of text.replaceAll('$$', '').matchAll(/\$\{(?:env:)?([A-Za-z_]\w*)(:[^}]*)?\}|\$<([A-Za-z_]\w*)(:[^>]*)?>/g)) {
    if ((match[2] ?? match[4]) === undefined) names.push(match[1] ?? match[3]);
  }
  return names;
}

interface Tagger {
  readonly where: string;
  readonly workload: Doc;
  readonly pod: PodSpec;
  readonly container: Container;
}

const taggers: Tagger[] = workloads.flatMap((workload) => {
  const pod = workloadSpec(workload).template.spec;
  return pod.containers.filter((c) => c.image.startsWith('otlp-tagger:')).map((container) => ({ where: `${workload.where} ${container.name}`, workload, pod, container }));
});

/** The container's env with placeholders for what the cluster fills in (the downward API) and values from shipped ConfigMaps. */
function containerEnv({ workload, container }: Tagger): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const { fieldRef, configMapKeyRef } = variable.valueFrom ?? {};
    const value =
      fieldRef !== undefined
        ? `placeholder-${fieldRef.fieldPath.replaceAll('.', '-')}`
        : configMapKeyRef !== undefined
          ? configMap(namespaceOf(workload.object), configMapKeyRef.name)?.data?.[configMapKeyRef.key]
          : variable.value;
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}

/** Reads a file as the container would see it: from a ConfigMap volume mounted above it. */
function mountedFile({ workload, pod, container }: Tagger, file: string): string {
  for (const mount of container.volumeMounts ?? []) {
    if (!file.startsWith(`${mount.mountPath}/`)) continue;
    const volume = pod.volumes?.find((v) => v.name === mount.name)?.configMap;
    if (volume === undefined) continue;
    const relative = file.slice(mount.mountPath.length + 1);
    const key = volume.items === undefined ? relative : volume.items.find((item) => item.path === relative)?.key;
    const text = key === undefined ? undefined : configMap(namespaceOf(workload.object), volume.name)?.data?.[key];
    if (text !== undefined) return text;
  }
  throw new Error(`${file} is not in a mounted ConfigMap`);
}

t.test('otlp-tagger containers', async (t) => {
  t.ok(taggers.length >= 4, 'the agent, the sidecar, the gateway and the queue each run one');
  for (const tagger of taggers) {
    const { where, workload, pod, container } = tagger;
    t.test(where, async (t) => {
      const args = container.args ?? [];
      const cli = parseCliArgs(args);
      const env = containerEnv(tagger);
      const warnings: string[] = [];
      const config: Config = loadConfig(args, env, (file) => mountedFile(tagger, file), { warn: (message) => warnings.push(message) });
      t.same(warnings, [], 'the configuration loads without warnings');

      const texts = [...args, ...(cli.config === undefined ? [] : [mountedFile(tagger, cli.config)])];
      for (const name of texts.flatMap(requiredVariables)) t.ok(name in env, `${name} is set in the container's env`);
      if (env.NODE_OPTIONS !== undefined) {
        // Node refuses to start on a flag NODE_OPTIONS does not allow: the pod would crash-loop.
        const node = spawnSync(process.execPath, ['-e', '0'], { env: { ...process.env, NODE_OPTIONS: env.NODE_OPTIONS }, encoding: 'utf8' });
        t.equal(node.status, 0, `NODE_OPTIONS=${env.NODE_OPTIONS} is accepted by Node ${process.version}${node.stderr === '' ? '' : `: ${node.stderr}`}`);
      }
      if (container.command !== undefined) {
        // A command replaces the image's ENTRYPOINT: it must still start the service, with flags Node knows.
        t.same([container.command[0], container.command.at(-1)], ['node', '/app/dist/main.js'], 'the command runs the service');
        const flags = container.command.slice(1, -1);
        const node = spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
        t.equal(node.status, 0, `node ${flags.join(' ')} is accepted by Node ${process.version}${node.stderr === '' ? '' : `: ${node.stderr}`}`);
      }
      t.ok(config.processor.rules.tags.length > 0, 'it adds tags');
      t.equal(config.exporter.type, 'otlp', 'it exports over OTLP (not to stdout)');

      // Ports: what the configuration listens on outside the pod is declared, and what is declared is listened on.
      t.ok(config.admin, 'the admin endpoint is on');
      const admin = splitListenEndpoint(config.admin?.endpoint ?? ':0');
      t.notOk(isLoopbackHost(admin.host), 'the admin endpoint is reachable by the kubelet and Prometheus');
      const listening = [config.receivers.grpc?.endpoint, config.receivers.http?.endpoint, config.admin?.endpoint]
        .filter((e): e is string => e !== undefined)
        .map(splitListenEndpoint);
      const declared = (container.ports ?? []).map((p) => p.containerPort);
      t.same(declared.slice().sort(), listening.filter((e) => !isLoopbackHost(e.host)).map((e) => e.port).sort(), 'containerPorts are the non-loopback listen ports');
      const byName = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
      const port = (endpoint: string | undefined) => (endpoint === undefined ? undefined : splitListenEndpoint(endpoint).port);
      if (byName.has('otlp-grpc')) t.equal(byName.get('otlp-grpc'), port(config.receivers.grpc?.endpoint), 'otlp-grpc is the gRPC receiver');
      if (byName.has('otlp-http')) t.equal(byName.get('otlp-http'), port(config.receivers.http?.endpoint), 'otlp-http is the HTTP receiver');

      const probePort = (probe: Probe | undefined) => {
        const port = probe?.httpGet?.port;
        return typeof port === 'string' ? byName.get(port) : port;
      };
      t.equal(container.livenessProbe?.httpGet?.path, '/healthz', 'liveness on /healthz');
      t.equal(container.readinessProbe?.httpGet?.path, '/readyz', 'readiness on /readyz');
      t.equal(probePort(container.livenessProbe), admin.port, 'liveness on the admin port');
      t.equal(probePort(container.readinessProbe), admin.port, 'readiness on the admin port');
      t.ok([container.livenessProbe, container.readinessProbe].every((p) => (p?.httpGet?.scheme ?? 'HTTP') === 'HTTP'), 'the admin endpoint is plain HTTP');

      const annotations = workloadSpec(workload).template.metadata?.annotations ?? {};
      t.same(
        [annotations['prometheus.io/scrape'], annotations['prometheus.io/port'], annotations['prometheus.io/path']],
        ['true', String(admin.port), '/metrics'],
        'prometheus.io annotations scrape the admin port',
      );

      const security = container.securityContext ?? {};
      t.ok(security.runAsNonRoot === true || (security.runAsNonRoot === undefined && pod.securityContext?.runAsNonRoot === true), 'runs as non-root');
      t.equal(security.readOnlyRootFilesystem, true, 'read-only root filesystem');
      t.equal(security.allowPrivilegeEscalation, false, 'no privilege escalation');
      t.same(security.capabilities?.drop, ['ALL'], 'drops every capability');

      const { requests = {}, limits = {} } = container.resources ?? {};
      t.ok(quantity(requests.cpu, 'millicores') > 0, `requests cpu (${requests.cpu})`);
      t.ok(quantity(requests.memory, 'bytes') >= idleRssBytes, `requests memory (${requests.memory}) of at least the idle RSS`);
      // The sizing rule of the manifests' comments, from docs/bench/memory-bound.md: peak RSS under
      // overload ≈ idle + 64 MiB + 3 × the in-flight bound (copies on the way out, GC slack).
      const overloadPeak = idleRssBytes + 64 * 2 ** 20 + 3 * config.delivery.maxInflightBytes;
      t.ok(quantity(limits.memory, 'bytes') >= overloadPeak, `limits memory (${limits.memory}) covers the overload peak for max-inflight-bytes`);

      const grace = pod.terminationGracePeriodSeconds ?? 30;
      const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
      const drain = config.delivery.shutdownTimeoutMillis;
      t.ok(preStop * 1000 + drain < grace * 1000, `the drain (${drain} ms) ends inside the ${grace} s grace period`);

      if (config.delivery.queueDir !== undefined) {
        const mount = container.volumeMounts?.find((m) => m.mountPath === config.delivery.queueDir);
        const claims = workloadSpec(workload).volumeClaimTemplates ?? [];
        t.ok(mount && mount.readOnly !== true, 'the queue directory is a writable mount (the root filesystem is read-only)');
        t.ok(claims.some((claim) => claim.metadata.name === mount?.name), 'the queue directory is a persistent volume of its own');
      }
    });
  }
});

t.test('the checks catch what they are for', async (t) => {
  t.equal(quantity('96Mi', 'bytes'), 96 * 2 ** 20);
  t.equal(quantity('1G', 'bytes'), 1e9);
  t.equal(quantity('50m', 'millicores'), 50);
  t.equal(quantity('0.5', 'millicores'), 500);
  t.ok(Number.isNaN(quantity('lots', 'bytes')));
  t.same(requiredVariables('a=$<A>,b=$<B:x>,c=${C},d=${env:D:-y},e=${E:z},$${F}'), ['A', 'C']);
  t.ok(isPortName('otlp-grpc') && !isPortName('otlp-grpc-receiver') && !isPortName('4317') && !isPortName('a--b'));
  t.ok(isServiceName('otlp-tagger-gateway') && !isServiceName('1-gateway') && !isSubdomain('Upper'));
  const tagger = taggers.find((x) => x.container.args?.includes('--config'));
  t.ok(tagger);
  if (tagger !== undefined) t.throws(() => mountedFile(tagger, '/etc/passwd'), /not in a mounted ConfigMap/);
  t.throws(() => parseCliArgs(['--delivery', 'later']), /--delivery/);
});
