/**
 * Readers for the files under deploy/: the Dockerfile's instructions, systemd units and
 * environment files, the Kubernetes manifests and the compose file, as the deploy suites check them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { CollectorEnv } from '../../services/collector/src/env.ts';
import { EvaluatorEnv } from '../../services/evaluator/src/env.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const deployDir = join(root, 'deploy');

export type Service = 'collector' | 'evaluator';
export const SERVICES: readonly Service[] = ['collector', 'evaluator'];

/** Each service's environment schema, as the service itself loads it. */
export const ENV_SCHEMAS = { collector: CollectorEnv, evaluator: EvaluatorEnv } as const;

/** The variables a service reads: the keys of its schema. */
export function envNames(service: Service): Set<string> {
  return new Set(Object.keys(ENV_SCHEMAS[service].shape));
}

/** The port a service listens on with `env` (its schema's default when unset). */
export function listenPort(service: Service, env: Record<string, string>): number {
  const loaded = ENV_SCHEMAS[service].parse(env);
  return 'PORT' in loaded ? loaded.PORT : loaded.HEALTH_PORT;
}

export const readDeploy = (path: string) => readFileSync(join(deployDir, path), 'utf8');
export const readYaml = (path: string): unknown => parse(readDeploy(path));
export const readYamlDocuments = (path: string): unknown[] =>
  parseAllDocuments(readDeploy(path)).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors.join('; ')}`);
    return document.toJS();
  });

// ---- Dockerfile -------------------------------------------------------------------------------

export interface DockerInstruction {
  keyword: string;
  args: string;
  /** The stage it belongs to (its `AS` name), or undefined before the first FROM. */
  stage: string | undefined;
}

/** Instructions in order, continuation lines joined and comments left out. */
export function dockerInstructions(text: string): DockerInstruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (current !== '' && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  const out: DockerInstruction[] = [];
  let stage: string | undefined;
  for (const line of logical) {
    const match = /^(\S+)\s*(.*)$/.exec(line);
    if (match === null) continue;
    const keyword = (match[1] ?? '').toUpperCase();
    const args = match[2] ?? '';
    if (keyword === 'FROM') stage = / AS (\S+)$/i.exec(args)?.[1];
    out.push({ keyword, args, stage });
  }
  return out;
}

// ---- systemd ----------------------------------------------------------------------------------

/** A unit file's settings by section, each key with every value it was given (in order). */
export function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = new Map();
      sections.set(header[1] ?? '', section);
      continue;
    }
    const eq = line.indexOf('=');
    if (section === undefined || eq < 0) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, eq).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return sections;
}

/** `KEY=value` lines (systemd EnvironmentFile, compose env_file); quotes around a value removed. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match === null) throw new Error(`not a KEY=value line: ${line}`);
    const value = match[2] ?? '';
    env[match[1] ?? ''] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return env;
}

// ---- Kubernetes -------------------------------------------------------------------------------

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

export interface K8sEnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

export interface K8sProbe {
  httpGet: { path: string; port: string | number };
}

export interface K8sContainer {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: K8sEnvVar[];
  envFrom?: { secretRef?: { name: string } }[];
  livenessProbe?: K8sProbe;
  readinessProbe?: K8sProbe;
  startupProbe?: K8sProbe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
  };
}

export interface K8sDeployment extends K8sObject {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: { terminationGracePeriodSeconds?: number; containers: K8sContainer[] };
    };
  };
}

/** Every object the kustomization lists, in its order. */
export function kubernetesObjects(): K8sObject[] {
  const kustomization = readYaml('kubernetes/kustomization.yaml') as { resources: string[] };
  return kustomization.resources.flatMap((file) => readYamlDocuments(`kubernetes/${file}`) as K8sObject[]);
}

/** The Deployment whose container runs `service` (the image's command argument). */
export function deploymentOf(service: Service): { deployment: K8sDeployment; container: K8sContainer } {
  for (const object of kubernetesObjects()) {
    if (object.kind !== 'Deployment') continue;
    const deployment = object as K8sDeployment;
    const container = deployment.spec.template.spec.containers.find((c) => c.args?.[0] === service);
    if (container !== undefined) return { deployment, container };
  }
  throw new Error(`no Deployment runs the ${service}`);
}

/** A container's probes that are set, by kind. */
export function probesOf(container: K8sContainer): [string, K8sProbe][] {
  return (
    [
      ['liveness', container.livenessProbe],
      ['readiness', container.readinessProbe],
      ['startup', container.startupProbe],
    ] as const
  ).flatMap(([kind, probe]) => (probe === undefined ? [] : [[kind, probe] as [string, K8sProbe]]));
}

/** Memory quantity (`256Mi`, `512M`, `1Gi`) in MiB. */
export function mebibytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(quantity);
  if (match === null) throw new Error(`not a memory quantity: ${quantity}`);
  const bytes: Record<string, number> = {
    '': 1,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
  };
  return (Number(match[1]) * (bytes[match[2] ?? ''] ?? Number.NaN)) / 1024 ** 2;
}

// ---- compose ----------------------------------------------------------------------------------

export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: ({ path: string; required?: boolean } | string)[];
  ports?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/**
 * A compose value with `${NAME:-default}` replaced by its default; undefined when it needs a
 * variable with no default (`${NAME:?message}`, `${NAME}`).
 */
export function composeValue(value: string): string | undefined {
  let needsVariable = false;
  const text = value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?])([^}]*))?\}/g,
    (_all, _name, op, rest) => {
      if (op === '-') return rest as string;
      needsVariable = true;
      return '';
    },
  );
  return needsVariable ? undefined : text;
}

/** The URLs a compose health check fetches. */
export function healthcheckUrls(service: ComposeService): URL[] {
  const text = (service.healthcheck?.test ?? []).join(' ');
  return [...text.matchAll(/https?:\/\/[^'"\s)]+/g)].map((match) => new URL(match[0]));
}

/** `env:NAME` references anywhere in a parsed rollout spec. */
export function envReferences(value: unknown, pattern: RegExp): Set<string> {
  const found = new Set<string>();
  const visit = (node: unknown) => {
    if (typeof node === 'string' && pattern.test(node)) found.add(node.slice('env:'.length));
    else if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) Object.values(node).forEach(visit);
  };
  visit(value);
  return found;
}

/** Metric names a parsed rollout spec reads (checks' metrics and both sides of ratios). */
export function specMetrics(spec: unknown): Set<string> {
  const names = new Set<string>();
  const body = (spec as { spec?: Record<string, unknown> }).spec ?? {};
  for (const list of ['guardrails', 'successCriteria']) {
    for (const check of (body[list] as { metric: unknown }[] | undefined) ?? []) {
      const metric = check.metric;
      if (typeof metric === 'string') names.add(metric);
      else if (typeof metric === 'object' && metric !== null && 'ratio' in metric) {
        const ratio = (metric as { ratio: { numerator: string; denominator: string } }).ratio;
        names.add(ratio.numerator);
        names.add(ratio.denominator);
      }
    }
  }
  return names;
}
