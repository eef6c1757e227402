import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { checkListen, createApp, ListenRefusedError } from '@gridfold/api';
import { CONFIG_VARIABLES, loadConfig } from '@gridfold/core';
import { connectRedis } from '@gridfold/queue';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { Service } from 'kubernetes-models/v1';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { deletePrefix, REDIS_URL } from './helpers/cluster.js';

// No cluster runs here (no Docker engine, no kind, no KEDA): the manifests are validated
// offline against the JSON schemas of Kubernetes (kubernetes-models) and of KEDA's CRDs
// (@kubernetes-models/keda), compiled by ajv, and their wiring and settings are checked by
// value, against what gridfold itself accepts. Those schemas let unknown fields through, so
// every field the deployment relies on is read back here.

const DIR = new URL('../deploy/kubernetes/', import.meta.url);
const readme = readFileSync(new URL('README.md', DIR), 'utf8');

/** The schema-backed model of each kind the manifests may use. */
const KINDS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'v1/Service': Service,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: any;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const objects: Manifest[] = files
  .filter((f) => f !== 'kustomization.yaml')
  .flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(file, DIR), 'utf8')).map((doc) => {
      expect(doc.errors, `${file}: YAML errors`).toEqual([]);
      return { file, ...(doc.toJS() as Omit<Manifest, 'file'>) };
    }),
  );

function find(kind: string, name: string): Manifest {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `one ${kind} named ${name}`).toHaveLength(1);
  return found[0];
}

/** The one container of a workload's pod. */
function container(kind: string, name: string) {
  const containers = find(kind, name).spec.template.spec.containers;
  expect(containers).toHaveLength(1);
  return containers[0];
}

/** A container's environment as gridfold would read it, Secret references given `secrets`' values. */
function environment(c: { env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }> }, secrets: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(c.env.map((e) => [e.name, e.value ?? secrets[`${e.valueFrom!.secretKeyRef.name}/${e.valueFrom!.secretKeyRef.key}`]]));
}

/** `kubectl create secret generic gridfold --from-literal=KEY=...` in the README: the keys it creates. */
function secretKeysInReadme(): string[] {
  const command = /kubectl create secret generic gridfold((?:[^\n]*\\\n)*[^\n]*)/.exec(readme)?.[1] ?? '';
  return [...command.matchAll(/--from-literal=([\w-]+)=/g)].map((m) => m[1]);
}

const gridfoldVariables = new Set(Object.values(CONFIG_VARIABLES).map((v) => v.env));

describe('deploy/kubernetes: schemas', () => {
  it('has only objects of known kinds, and each validates against its JSON schema (Kubernetes, KEDA CRDs)', () => {
    expect(objects.length).toBeGreaterThanOrEqual(8);
    for (const o of objects) {
      const Model = KINDS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `${o.file}: ${o.apiVersion} ${o.kind} has a schema here`).toBeDefined();
      const { file, ...data } = o;
      expect(() => new Model(data).validate(), `${file}: ${o.kind} ${o.metadata.name}`).not.toThrow();
    }
  });

  it('the validation is not a formality: a wrong type or a missing field is refused', () => {
    const worker = find('Deployment', 'gridfold-worker');
    const { file: _, ...data } = worker;
    expect(() => new Deployment({ ...data, spec: { ...data.spec, replicas: 'two' } }).validate()).toThrow(/replicas/);
    const scaled = find('ScaledObject', 'gridfold-worker');
    const { file: __, ...keda } = scaled;
    expect(() => new ScaledObject({ ...keda, spec: { ...keda.spec, scaleTargetRef: {} } }).validate()).toThrow(/name/);
    expect(() => new ScaledObject({ ...keda, spec: { ...keda.spec, triggers: [{ type: 'metrics-api', metadata: { targetValue: 1 } }] } }).validate()).toThrow(/targetValue/);
  });

  it('kustomization.yaml lists every manifest file', () => {
    const [kustomization] = parseAllDocuments(readFileSync(new URL('kustomization.yaml', DIR), 'utf8')).map((d) => d.toJS());
    expect(kustomization).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' });
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
  });
});

describe('deploy/kubernetes: wiring', () => {
  it("every Service selects its workload's pods, on a port the pod names", () => {
    for (const [service, kind] of [['redis', 'StatefulSet'], ['gridfold-api', 'Deployment']] as const) {
      const svc = find('Service', service).spec;
      const workload = find(kind, service).spec;
      expect(workload.selector.matchLabels).toEqual(svc.selector);
      expect(workload.template.metadata.labels).toMatchObject(svc.selector);
      const ports = workload.template.spec.containers.flatMap((c: any) => c.ports.map((p: any) => p.name));
      for (const p of svc.ports) expect(ports, `${service} port ${p.name}`).toContain(p.targetPort);
    }
  });

  it('only the API and the workers may reach Redis, and their pods carry the labels the NetworkPolicy names', () => {
    const policy = find('NetworkPolicy', 'redis').spec;
    expect(policy.podSelector.matchLabels).toEqual(find('StatefulSet', 'redis').spec.template.metadata.labels);
    const allowed = policy.ingress.flatMap((rule: any) => rule.from.map((f: any) => f.podSelector.matchLabels));
    expect(allowed).toEqual([find('Deployment', 'gridfold-api').spec.template.metadata.labels, find('Deployment', 'gridfold-worker').spec.template.metadata.labels]);
  });

  it('every Secret reference is to `gridfold`, with a key the README creates', () => {
    const keys = secretKeysInReadme();
    expect(keys.sort()).toEqual(['metrics-token', 'token']);
    const refs = [
      ...container('Deployment', 'gridfold-api').env.filter((e: any) => e.valueFrom).map((e: any) => e.valueFrom.secretKeyRef),
      ...find('TriggerAuthentication', 'gridfold-metrics').spec.secretTargetRef,
    ];
    expect(refs.length).toBe(3);
    for (const ref of refs) {
      expect(ref.name).toBe('gridfold');
      expect(keys).toContain(ref.key);
    }
  });
});

describe('deploy/kubernetes: Redis', () => {
  it('runs with AOF, a maxmemory under noeviction, and a memory limit above that maxmemory', () => {
    const redis = container('StatefulSet', 'redis');
    const args: string[] = redis.args;
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect([value('--appendonly'), value('--maxmemory-policy')]).toEqual(['yes', 'noeviction']);
    expect(value('--maxmemory')).toBe('1gb');
    expect(redis.resources.limits.memory).toMatch(/^\d+Mi$/);
    expect(Number.parseInt(redis.resources.limits.memory, 10)).toBeGreaterThan(1024);
    // Its data on a volume of its own, where AOF writes.
    expect(redis.volumeMounts).toEqual([{ name: 'data', mountPath: value('--dir') }]);
    expect(find('StatefulSet', 'redis').spec.volumeClaimTemplates[0].metadata.name).toBe('data');
  });

  it('is reached by the API and the workers at its Service', () => {
    for (const name of ['gridfold-api', 'gridfold-worker']) expect(environment(container('Deployment', name), { 'gridfold/token': 't', 'gridfold/metrics-token': 'm' }).REDIS_URL).toBe('redis://redis:6379');
  });
});

describe('deploy/kubernetes: API', () => {
  const api = container('Deployment', 'gridfold-api');

  it('listens on 0.0.0.0 with its token from the Secret; without the token gridfold would refuse to start', () => {
    const args: string[] = api.command;
    expect(args.slice(0, 4)).toEqual(['node', 'apps/cli/bin/gridfold.js', 'serve', '--workers']);
    expect(args).not.toContain('--insecure');
    const host = args[args.indexOf('--host') + 1];
    expect(host).toBe('0.0.0.0');
    const token = api.env.find((e: any) => e.name === 'GRIDFOLD_TOKEN');
    expect(token.value, 'never a literal token in the manifest').toBeUndefined();
    expect(token.valueFrom.secretKeyRef).toEqual({ name: 'gridfold', key: 'token' });
    expect(() => checkListen({ host })).toThrow(ListenRefusedError);
    expect(checkListen({ host, token: 't0k' })).toBeNull();
    expect(String(args[args.indexOf('--port') + 1])).toBe(String(api.ports[0].containerPort));
  });

  it('sets only variables gridfold knows, to values it accepts', () => {
    const env = environment(api, { 'gridfold/token': 't0k', 'gridfold/metrics-token': 'm3t' });
    for (const name of Object.keys(env)) expect(gridfoldVariables, name).toContain(name);
    const config = loadConfig(env);
    expect(config).toMatchObject({ token: 't0k', metricsToken: 'm3t', publicRead: false, insecure: false });
  });

  it('is ready when /health answers (which needs no token)', () => {
    expect(api.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
  });
});

describe('deploy/kubernetes: workers', () => {
  const workerPod = find('Deployment', 'gridfold-worker').spec.template.spec;
  const worker = container('Deployment', 'gridfold-worker');

  it('need only REDIS_URL: no token, no Secret; every variable is one gridfold knows, with a value it accepts', () => {
    const env = environment(worker);
    for (const name of Object.keys(env)) expect(gridfoldVariables, name).toContain(name);
    expect(worker.env.filter((e: any) => e.valueFrom)).toEqual([]);
    expect(env.GRIDFOLD_TOKEN).toBeUndefined();
    expect(worker.command).toEqual(['node', 'apps/cli/bin/gridfold.js', 'worker']);
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('use at most the CPUs they are given (threads x concurrent jobs), and have requests and limits', () => {
    const config = loadConfig(environment(worker));
    const cpus = Number(worker.resources.limits.cpu);
    expect(Number(worker.resources.requests.cpu)).toBe(cpus);
    expect((config.threads ?? 1) * config.concurrency).toBeLessThanOrEqual(cpus);
    expect(config.refitThreads).toBeLessThanOrEqual(cpus);
    expect(worker.resources.limits.memory).toBeDefined();
  });

  it('have long enough to finish a task when stopped (scale-down, rollout)', () => {
    expect(workerPod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(600);
  });

  it("keep their artifact cache on a volume they can write, sized over the cache's bound", () => {
    const env = environment(worker);
    const mount = worker.volumeMounts.find((m: any) => env.GRIDFOLD_ARTIFACT_CACHE_DIR.startsWith(m.mountPath));
    expect(mount).toBeDefined();
    const volume = workerPod.volumes.find((v: any) => v.name === mount.name);
    expect(Number.parseInt(volume.emptyDir.sizeLimit, 10) * 1024 ** 3).toBeGreaterThan(Number(env.GRIDFOLD_ARTIFACT_CACHE_MAX_BYTES));
  });
});

describe('deploy/kubernetes: KEDA', () => {
  const scaled = find('ScaledObject', 'gridfold-worker').spec;
  const api = container('Deployment', 'gridfold-api');

  it('scales the worker Deployment with the metrics-api scaler on the API Service, with the metrics token', () => {
    expect(scaled.scaleTargetRef.name).toBe(find('Deployment', 'gridfold-worker').metadata.name);
    expect(scaled.maxReplicaCount).toBeGreaterThan(scaled.minReplicaCount);
    const service = find('Service', 'gridfold-api');
    expect(scaled.triggers.length).toBeGreaterThan(0);
    for (const t of scaled.triggers) {
      expect(t.type).toBe('metrics-api');
      const url = new URL(t.metadata.url);
      expect([url.hostname, Number(url.port), url.pathname]).toEqual([service.metadata.name, service.spec.ports[0].port, '/metrics']);
      expect(t.metadata).toMatchObject({ format: 'prometheus', authMode: 'bearer' });
      expect(Number(t.metadata.targetValue)).toBeGreaterThan(0);
      expect(t.authenticationRef.name).toBe('gridfold-metrics');
    }
    const auth = find('TriggerAuthentication', 'gridfold-metrics').spec.secretTargetRef;
    // KEDA's bearer mode reads the parameter `token`; the API reads the same Secret key as its metrics token.
    expect(auth).toEqual([{ parameter: 'token', name: 'gridfold', key: 'metrics-token' }]);
    expect(api.env.find((e: any) => e.name === 'GRIDFOLD_METRICS_TOKEN').valueFrom.secretKeyRef).toEqual({ name: 'gridfold', key: 'metrics-token' });
    expect(scaled.triggers.map((t: any) => t.metadata.valueLocation)).toEqual(['gridfold_jobs_waiting', 'gridfold_jobs_running']);
  });

  it('reads metrics the API exports, each a gauge without labels (what the scaler can select), to the metrics token alone', async () => {
    const redis = connectRedis(REDIS_URL);
    const prefix = `test-${randomUUID()}`;
    const { app, close } = createApp({ redis, prefix, token: 'api-t0k', metricsToken: 'm3t', logger: pino({ level: 'silent' }), dashboardDir: null });
    try {
      const res = await request(app).get('/metrics').set('authorization', 'Bearer m3t').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      for (const t of scaled.triggers) {
        const name: string = t.metadata.valueLocation;
        expect(res.text, name).toMatch(new RegExp(`^# TYPE ${name} gauge$`, 'm'));
        expect(res.text, name).toMatch(new RegExp(`^${name} \\d+$`, 'm'));
      }
      // The metrics token opens nothing else.
      await request(app).get('/api/experiments').set('authorization', 'Bearer m3t').expect(401);
      await request(app).get('/metrics').expect(401);
    } finally {
      await close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });
});
