import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../../src/config';
import { podEnv } from '../helpers/pod-env';

const root = join(__dirname, '..', '..');
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const render = (dir: string): Obj[] =>
  YAML.parseAllDocuments(execFileSync('kubectl', ['kustomize', join(root, dir)], { timeout: 60_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).map((doc) => doc.toJS() as Obj);

describe.each([['k8s/base'], ['k8s/overlays/direct']])('%s: the admin port', (dir) => {
  const objects = render(dir);
  const workload = objects.find((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment') as Obj;
  const container = workload.spec.template.spec.containers[0];
  const namespace = (objects.find((o) => o.kind === 'Namespace') as Obj).metadata.name as string;
  const env = podEnv(container, namespace);
  const admin = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'im-gateway-admin') as Obj;

  test('When rendered, then the admin API has its own ClusterIP Service on a container port, apart from the callback port and from Prometheus', () => {
    const adminPort = container.ports.find((p: Obj) => p.name === 'admin');
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor') as Obj;

    expect(admin.spec.type).toBe('ClusterIP');
    expect(admin.spec.ports).toEqual([expect.objectContaining({ targetPort: 'admin', port: 9091 })]);
    expect(adminPort.containerPort).toBe(Number(env.ADMIN_PORT));
    expect(Number(env.ADMIN_PORT)).not.toBe(Number(env.PORT));
    expect(Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => admin.metadata.labels[k] === v)).toBe(false);
    expect(() => loadConfig({ ...env, TENCENT_CALLBACK_TOKENS: 'x' })).not.toThrow();
  });

  test('When NetworkPolicies apply, then the admin port is open only to the gateway\'s own pods and no Ingress routes to it', () => {
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'im-gateway-admin') as Obj;

    expect(policy.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: workload.spec.template.metadata.labels } }], ports: [{ port: 'admin', protocol: 'TCP' }] }]);
    const ingress = YAML.parse(readFileSync(join(root, 'k8s/examples/ingress.yaml'), 'utf8')) as Obj;
    expect(JSON.stringify(ingress)).not.toContain('im-gateway-admin');
  });

  test('When the console looks for its fleet, then CONSOLE_PEERS_DNS names a headless Service of every gateway pod, not-ready ones included, on the admin port', () => {
    const peers = objects.find((o) => o.kind === 'Service' && o.spec.clusterIP === 'None' && o.spec.ports.some((p: Obj) => p.targetPort === 'admin')) as Obj;
    const adminPort = container.ports.find((p: Obj) => p.name === 'admin');

    expect(env.CONSOLE_PEERS_DNS).toBe(`${peers.metadata.name}.${namespace}.svc.cluster.local:${peers.spec.ports[0].port}`);
    expect(peers.spec.ports).toEqual([expect.objectContaining({ targetPort: 'admin', port: adminPort.containerPort })]);
    expect(peers.spec.selector).toEqual(workload.spec.selector.matchLabels);
    expect(peers.spec.publishNotReadyAddresses).toBe(true);
    expect(env.ADMIN_HOST).toBe('0.0.0.0');
    expect(loadConfig({ ...env, TENCENT_CALLBACK_TOKENS: 'x' }).console.CONSOLE_PEERS_DNS).toBe(env.CONSOLE_PEERS_DNS);
  });
});

test('When the example admin Secret is filled in as its comment shows, then ADMIN_TOKENS passes the gateway schema', () => {
  const example = YAML.parse(readFileSync(join(root, 'k8s/base/secret-admin.example.yaml'), 'utf8')) as Obj;

  expect(loadConfig({ ADMIN_TOKENS: example.stringData.tokens }).admin.tokens).toEqual([expect.objectContaining({ name: 'alice', role: 'operator' })]);
});
