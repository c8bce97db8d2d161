import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import YAML from 'yaml';
import { loadConfig } from '../../src/config';
import { buildTestApp } from '../helpers/app';
import { podEnv } from '../helpers/pod-env';
import { typecheck } from '../helpers/typecheck';

const root = join(__dirname, '..', '..');
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Renders an overlay with kubectl kustomize (the same as `kubectl apply -k` would apply). */
function render(dir: string): Obj[] {
  const text = execFileSync('kubectl', ['kustomize', join(root, dir)], { timeout: 60_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return YAML.parseAllDocuments(text).map((doc) => doc.toJS() as Obj);
}

const models: Record<string, string> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Secret': 'kubernetes-models/v1/Secret',
  'v1/Service': 'kubernetes-models/v1/Service',
  'apps/v1/StatefulSet': 'kubernetes-models/apps/v1/StatefulSet',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
  'networking.k8s.io/v1/Ingress': 'kubernetes-models/networking.k8s.io/v1/Ingress',
  'monitoring.coreos.com/v1/ServiceMonitor': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PrometheusRule': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
};

/** One TypeScript module declaring every object with its kubernetes-models interface. */
function typedSource(objects: Obj[]): string {
  const used = new Map<string, string>();
  const decls = objects.map((obj, i) => {
    const key = `${obj.apiVersion}/${obj.kind}`;
    const mod = models[key];
    if (!mod) throw new Error(`no schema for ${key}`);
    if (!used.has(mod)) used.set(mod, `T${used.size}`);
    return `export const o${i}: ${used.get(mod)} = ${JSON.stringify(obj, null, 2)};`;
  });
  const imports = [...used].map(([mod, alias]) => `import type { I${mod.split('/').pop()} as ${alias} } from ${JSON.stringify(mod)};`);
  return [...imports, ...decls].join('\n');
}

const byKind = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind);
const one = (objects: Obj[], kind: string, name?: string) => {
  const found = objects.find((o) => o.kind === kind && (!name || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''}`);
  return found;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each([
  ['k8s/base', 'StatefulSet'],
  ['k8s/overlays/direct', 'Deployment'],
])('%s', (dir, workloadKind) => {
  const objects = render(dir);
  const workload = one(objects, workloadKind);
  const pod = workload.spec.template;
  const container = pod.spec.containers[0];
  const env: Obj = podEnv(container, (objects.find((o) => o.kind === 'Namespace') as Obj).metadata.name);
  const ports = container.ports.map((p: Obj) => p.name);

  test('When rendered, then kustomize warns about nothing (no deprecated fields)', () => {
    const result = spawnSync('kubectl', ['kustomize', join(root, dir)], { timeout: 60_000, encoding: 'utf8' });

    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  test('When rendered, then every object passes the Kubernetes and prometheus-operator types (misspelled fields fail)', () => {
    const examples = ['k8s/base/secret.example.yaml', 'k8s/base/secret-netease.example.yaml', 'k8s/base/secret-backfill.example.yaml', 'k8s/examples/ingress.yaml'];
    const extra = dir === 'k8s/base' ? examples.map((file) => YAML.parse(readFileSync(join(root, file), 'utf8')) as Obj) : [];

    expect(typecheck(dir.replace(/\W/g, '-'), typedSource([...objects, ...extra]))).toBe('');
  }, 60_000);

  test('When the workload, Services, PDB and NetworkPolicy select pods, then their selectors match the pod labels', () => {
    expect(matches(workload.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    for (const service of byKind(objects, 'Service')) expect({ service: service.metadata.name, ok: matches(service.spec.selector, pod.metadata.labels) }).toEqual({ service: service.metadata.name, ok: true });
    expect(matches(one(objects, 'PodDisruptionBudget').spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(matches(one(objects, 'NetworkPolicy').spec.podSelector.matchLabels, pod.metadata.labels)).toBe(true);
  });

  test('When Prometheus discovers targets, then the ServiceMonitor selects exactly the main Service and a port it has', () => {
    const monitor = one(objects, 'ServiceMonitor');
    const selected = byKind(objects, 'Service').filter((s) => matches(monitor.spec.selector.matchLabels, s.metadata.labels));

    expect(selected.map((s) => s.metadata.name)).toEqual(['im-gateway']);
    for (const endpoint of monitor.spec.endpoints) expect(selected[0]!.spec.ports.map((p: Obj) => p.name)).toContain(endpoint.port);
    expect(monitor.spec.endpoints[0].path).toBe('/metrics');
    expect(ports).toContain(selected[0]!.spec.ports[0].targetPort);
  });

  test('When probes run, then their paths answer 200 from the app and their port is a container port', async () => {
    const app = buildTestApp();
    try {
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        expect(ports).toContain(probe.httpGet.port);
        expect((await request(app.app).get(probe.httpGet.path)).status).toBe(200);
      }
    } finally {
      await app.close();
    }
  });

  test('When the pod is shut down, then the grace period covers preStop plus SHUTDOWN_TIMEOUT', () => {
    const preStop = Number(container.lifecycle.preStop.exec.command[1]);
    const shutdown = Number(/^(\d+)s$/.exec(env.SHUTDOWN_TIMEOUT)![1]);

    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(preStop + shutdown);
  });

  test('When the pod runs, then it is non-root, read-only, without privilege escalation or capabilities, with seccomp and limits', () => {
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits.memory).toEqual(expect.any(String));
    expect(container.volumeMounts.map((m: Obj) => m.mountPath)).toEqual(expect.arrayContaining(['/tmp', env.DATA_DIR]));
  });

  test('When the configuration is mounted, then the config file and the environment pass the gateway schema', () => {
    const configMap = one(objects, 'ConfigMap', 'im-gateway-config');
    const mount = container.volumeMounts.find((m: Obj) => env.CONFIG_FILE.startsWith(`${m.mountPath}/`));
    const volume = pod.spec.volumes.find((v: Obj) => v.name === mount.name);

    expect(volume.configMap.name).toBe('im-gateway-config');
    expect(() => loadConfig({ ...env, TENCENT_CALLBACK_TOKENS: 'x' }, YAML.parse(configMap.data['config.yaml']))).not.toThrow();
  });

  test('When Grafana runs its sidecar, then the dashboard ConfigMap carries the label and the dashboard JSON', () => {
    const dashboard = one(objects, 'ConfigMap', 'im-gateway-dashboard');

    expect(dashboard.metadata.labels.grafana_dashboard).toBe('1');
    expect(JSON.parse(dashboard.data['im-gateway-dashboard.json'])).toEqual(JSON.parse(readFileSync(join(root, 'k8s/base/grafana-dashboard.json'), 'utf8')));
  });
});

describe('k8s/base specifics', () => {
  test('When the example Secrets are filled in as their comments show (one secret, or a JSON array to rotate), then the values pass the gateway schema', () => {
    const forms = (file: string, key: string) => {
      const source = readFileSync(join(root, file), 'utf8');
      const shown = [...source.matchAll(new RegExp(`--from-literal=${key}='([^']*)'`, 'g'))].map((m) => m[1] as string);
      return [(YAML.parse(source) as Obj).stringData[key] as string, ...shown];
    };
    const tokens = forms('k8s/base/secret.example.yaml', 'tokens');
    const secrets = forms('k8s/base/secret-netease.example.yaml', 'appSecrets');

    expect(tokens).toContain('["new-token","old-token"]');
    expect(secrets).toContain('["new-secret","old-secret"]');
    for (const value of tokens) expect(() => loadConfig({ TENCENT_CALLBACK_TOKENS: value })).not.toThrow();
    for (const value of secrets) expect(() => loadConfig({ NETEASE_APP_SECRETS: value })).not.toThrow();
  });

  const objects = render('k8s/base');

  test('When several pods backfill, then each takes at most its share of the vendors\' quotas and can share them through the optional Redis Secret', () => {
    const statefulSet = one(objects, 'StatefulSet');
    const container = statefulSet.spec.template.spec.containers[0];
    const env = podEnv(container, 'im-gateway');
    const redis = (container.env as Obj[]).find((e) => e.name === 'BACKFILL_REDIS_URL');
    const example = YAML.parse(readFileSync(join(root, 'k8s/base/secret-backfill.example.yaml'), 'utf8')) as Obj;

    expect(Number(env.BACKFILL_POD_SHARE) * statefulSet.spec.replicas).toBeLessThanOrEqual(1);
    expect(redis?.valueFrom.secretKeyRef).toEqual({ name: example.metadata.name, key: 'redisUrl', optional: true });
    expect(loadConfig({ ...env, BACKFILL_REDIS_URL: example.stringData.redisUrl }).backfill.quotas).toEqual({ redisUrl: example.stringData.redisUrl, podShare: Number(env.BACKFILL_POD_SHARE) });
  });

  test('When the example Ingress routes callbacks, then it targets the main Service by a port it has', () => {
    const ingress = YAML.parse(readFileSync(join(root, 'k8s/examples/ingress.yaml'), 'utf8')) as Obj;
    const backend = ingress.spec.rules[0].http.paths[0].backend.service;
    const service = one(objects, 'Service', backend.name);

    expect(service.spec.ports.map((p: Obj) => p.name)).toContain(backend.port.name);
    expect(ingress.spec.rules[0].http.paths[0].path).toBe('/tencent/callback');
    expect(ingress.spec.rules[0].http.paths.map((p: Obj) => [p.path, p.backend.service.name, p.backend.service.port.name])).toContainEqual(['/netease/callback', backend.name, backend.port.name]);
    expect(ingress.spec.tls).toHaveLength(1);
  });

  test('When the StatefulSet stores events, then each pod gets a PersistentVolumeClaim mounted at DATA_DIR', () => {
    const sts = one(objects, 'StatefulSet');
    const container = sts.spec.template.spec.containers[0];
    const dataDir = container.env.find((e: Obj) => e.name === 'DATA_DIR').value;
    const claim = sts.spec.volumeClaimTemplates[0];

    expect(container.volumeMounts.find((m: Obj) => m.name === claim.metadata.name).mountPath).toBe(dataDir);
    expect(sts.spec.serviceName).toBe(one(objects, 'Service', 'im-gateway-headless').metadata.name);
    expect(one(objects, 'Service', 'im-gateway-headless').spec.clusterIP).toBe('None');
  });
});

describe('k8s/overlays/direct specifics', () => {
  const objects = render('k8s/overlays/direct');

  test('When scaling, then the HPA targets the Deployment, and no StatefulSet or volume claim is left', () => {
    expect(one(objects, 'HorizontalPodAutoscaler').spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: one(objects, 'Deployment').metadata.name });
    expect(byKind(objects, 'StatefulSet')).toEqual([]);
    expect(one(objects, 'Deployment').spec.template.spec.containers[0].env).toContainEqual({ name: 'ACK_MODE', value: 'direct' });
  });
});

test('When a manifest has a misspelled field, then the typecheck reports it (the check can fail)', () => {
  const broken = render('k8s/base').map((o) => (o.kind === 'StatefulSet' ? { ...o, spec: { ...o.spec, replicaz: 2 } } : o));

  expect(typecheck('broken', typedSource(broken))).toMatch(/replicaz.*does not exist in type 'IStatefulSetSpec'/);
}, 60_000);

test('When yamllint reads every YAML file of the deployment, then it finds nothing; a duplicated key is caught', () => {
  const lint = (...paths: string[]) => {
    try {
      execFileSync('yamllint', ['-c', join(root, '.yamllint'), ...paths], { timeout: 60_000, encoding: 'utf8', stdio: 'pipe' });
      return '';
    } catch (error) {
      return String((error as { stdout?: string }).stdout);
    }
  };
  const dir = mkdtempSync(join(tmpdir(), 'imgw-yaml-'));
  writeFileSync(join(dir, 'dup.yaml'), 'a: 1\na: 2\n');

  expect(lint(join(root, 'k8s'), join(root, 'examples'), join(root, 'monitoring'))).toBe('');
  expect(lint(join(dir, 'dup.yaml'))).toContain('duplication of key "a"');
  rmSync(dir, { recursive: true, force: true });
});
