/**
 * deploy/ checked against the code it deploys: every variable a manifest sets is one the services'
 * env schemas define and its value passes them, ports and build commands are the real ones, and
 * Debian's promtool accepts the Prometheus snippets. (services.test.ts runs the services the way
 * the units and the image's entrypoint start them.)
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_REFERENCE_PATTERN } from '../../packages/shared/src/spec/secret.ts';
import { builtEntry, SERVICE_NAMES } from '../../scripts/build-services.ts';
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from '../../scripts/service-node-flags.ts';
import {
  type ComposeFile,
  composeValue,
  deploymentOf,
  dockerInstructions,
  ENV_SCHEMAS,
  envNames,
  envReferences,
  healthcheckUrls,
  type K8sContainer,
  type K8sDeployment,
  kubernetesObjects,
  listenPort,
  mebibytes,
  parseEnvFile,
  parseUnit,
  probesOf,
  readDeploy,
  readYaml,
  root,
  SERVICES,
  type Service,
  specMetrics,
} from './deploy-files.ts';

const run = promisify(execFile);
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  packageManager: string;
};
/** A valid value for a variable whose real value is a secret the operator fills in. */
const REDIS_SAMPLE = 'redis://127.0.0.1:6379';
/** Runs the service's `runService` gives the last shutdown steps after SHUTDOWN_TIMEOUT_MS (run-service.ts). */
const SHUTDOWN_EXTRA_MS = 1500;
/** The example rollout whose metrics and `env:` secrets the snippets and Secrets name. */
const exampleSpec = parse(readFileSync(join(root, 'examples/contact-center-copilot.yaml'), 'utf8'));
const exampleSecrets = envReferences(exampleSpec, ENV_REFERENCE_PATTERN);
const exampleMetrics = specMetrics(exampleSpec);

/** Parses `env` with the service's own schema; the problems it finds, or none. */
function schemaProblems(service: Service, env: Record<string, string>): string[] {
  const result = ENV_SCHEMAS[service].safeParse(env);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

function expectOnlyKnownVariables(service: Service, names: Iterable<string>) {
  const known = envNames(service);
  expect([...names].filter((name) => !known.has(name))).toEqual([]);
}

const heapCapMiB = (flags: readonly string[]) =>
  Number(
    flags
      .map((flag) => /^--max-old-space-size=(\d+)$/.exec(flag)?.[1])
      .filter(Boolean)
      .at(-1),
  );

describe('deploy/Dockerfile', () => {
  const instructions = dockerInstructions(readDeploy('Dockerfile'));
  const args = (keyword: string, stage?: string) =>
    instructions
      .filter((i) => i.keyword === keyword && (stage === undefined || i.stage === stage))
      .map((i) => i.args);
  const runtimeStage = instructions.filter((i) => i.keyword === 'FROM').at(-1)?.stage;

  it('runs only pnpm commands that exist: package.json scripts, and installs from the frozen lockfile', () => {
    const pnpmCommands = args('RUN').flatMap((line) =>
      [...line.matchAll(/(?:^|&&|;)\s*pnpm\s+(?:run\s+)?([a-z:-]+)/g)].map((m) => ({ line, command: m[1] })),
    );
    expect(pnpmCommands.map((c) => c.command)).toContain('build');
    for (const { line, command } of pnpmCommands) {
      if (command === 'install') expect(line).toContain('--frozen-lockfile');
      else expect(Object.keys(packageJson.scripts), line).toContain(command);
    }
    // Both installs read the lockfile: the production one must resolve the same .pnpm directories.
    expect(args('RUN').filter((line) => /pnpm install/.test(line))).toHaveLength(2);
  });

  it('installs the pnpm that package.json names, on Node 20', () => {
    const version = packageJson.packageManager.replace(/^pnpm@/, '');
    expect(args('RUN').join('\n')).toContain(`pnpm@${version}`);
    expect(version.split('.')[0]).toBe('10');
    const nodeImage = args('ARG').find((a) => a.startsWith('NODE_IMAGE='));
    expect(nodeImage).toMatch(/^NODE_IMAGE=node:20(\.\d+)*-\w+-slim$/);
    expect(args('FROM')).toEqual(expect.arrayContaining([`\${NODE_IMAGE} AS ${runtimeStage}`]));
  });

  it("copies every workspace package's package.json before installing (the frozen lockfile needs them all)", () => {
    const workspace = parse(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')) as {
      packages: string[];
    };
    const manifests = workspace.packages.flatMap((glob) =>
      glob.endsWith('/*')
        ? readdirSync(join(root, glob.slice(0, -2)), { withFileTypes: true })
            .filter(
              (entry) =>
                entry.isDirectory() && existsSync(join(root, glob.slice(0, -2), entry.name, 'package.json')),
            )
            .map((entry) => `${glob.slice(0, -2)}/${entry.name}/package.json`)
        : [`${glob}/package.json`],
    );
    const copied = args('COPY', 'manifests').flatMap((line) => line.split(/\s+/).slice(0, -1));
    expect(copied).toEqual(
      expect.arrayContaining(['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc']),
    );
    expect(manifests.filter((manifest) => !copied.includes(manifest))).toEqual([]);
  });

  it('puts both bundles, the package.json above each and the entrypoint into a non-root runtime', () => {
    const copies = args('COPY', runtimeStage);
    for (const name of SERVICE_NAMES) {
      const dist = builtEntry(name).replace(/\/main\.js$/, '');
      expect(copies).toContain(`--from=build /src/${dist} ${dist}`);
      expect(copies).toContain(`--from=build /src/services/${name}/package.json services/${name}/`);
    }
    expect(copies).toContain('--from=prod-deps /src/node_modules node_modules');
    const user = args('USER', runtimeStage).at(-1);
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user?.split(':')[0]);
    const entrypoint = JSON.parse(args('ENTRYPOINT', runtimeStage).at(-1) ?? '[]') as string[];
    expect(entrypoint).toEqual(['/app/deploy/docker-entrypoint.sh']);
    expect(args('WORKDIR', runtimeStage).at(-1)).toBe('/app');
    expect(copies).toContain('--chmod=755 deploy/docker-entrypoint.sh deploy/docker-entrypoint.sh');
    expect(JSON.parse(args('CMD', runtimeStage).at(-1) ?? '[]')).toEqual(['collector']);
  });

  it('sets only variables the services read, and exposes their default ports', () => {
    const env = Object.fromEntries(
      args('ENV', runtimeStage).map((line) => line.split('=', 2) as [string, string]),
    );
    for (const service of SERVICES) {
      expectOnlyKnownVariables(service, Object.keys(env));
      expect(schemaProblems(service, env)).toEqual([]);
    }
    const exposed = args('EXPOSE', runtimeStage).flatMap((line) => line.split(/\s+/).map(Number));
    expect(exposed.sort()).toEqual(SERVICES.map((s) => listenPort(s, {})).sort());
  });

  it('leaves node_modules, dist and .git out of the build context', () => {
    const ignored = readDeploy('Dockerfile.dockerignore')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['.git', '**/node_modules', '**/dist']));
  });
});

describe('deploy/compose.yaml', () => {
  const compose = readYaml('compose.yaml') as ComposeFile;
  const serviceOf = (name: string) => {
    const service = compose.services[name];
    if (service === undefined) throw new Error(`compose.yaml has no ${name}`);
    return service;
  };

  it('runs Redis 7 with its append-only file and noeviction (BullMQ), and a health check', () => {
    const redis = serviceOf('redis');
    expect(redis.image).toMatch(/^redis:7(\b|$)/);
    const command = (redis as { command: string[] }).command.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  for (const service of SERVICES) {
    it(`runs the ${service} with variables its schema defines and accepts, and health checks its own port`, () => {
      const spec = serviceOf(service);
      expect(spec.command).toEqual([service]);
      const environment = spec.environment ?? {};
      expectOnlyKnownVariables(service, Object.keys(environment));
      const resolved = Object.fromEntries(
        Object.entries(environment).flatMap(([name, value]) => {
          const text = composeValue(String(value));
          return text === undefined ? [] : [[name, text]];
        }),
      );
      expect(schemaProblems(service, resolved)).toEqual([]);
      expect(resolved.REDIS_URL).toBe('redis://redis:6379');
      const port = listenPort(service, resolved);
      expect(spec.ports).toEqual([`${port}:${port}`]);
      const urls = healthcheckUrls(spec);
      expect(urls).toHaveLength(1);
      expect(urls[0]?.port).toBe(String(port));
      expect(['/healthz', '/readyz']).toContain(urls[0]?.pathname);
      expect(spec.depends_on?.redis).toEqual({ condition: 'service_healthy' });
      // Longer than the service's own shutdown deadline.
      expect(Number.parseInt(spec.stop_grace_period ?? '', 10) * 1000).toBeGreaterThan(
        ENV_SCHEMAS[service].parse(resolved).SHUTDOWN_TIMEOUT_MS + SHUTDOWN_EXTRA_MS,
      );
    });
  }

  it('gives the evaluator the secrets the example spec reads as env:NAME, from an example file', () => {
    const files = serviceOf('evaluator').env_file ?? [];
    expect(files).toEqual([{ path: 'webhook-secrets.env', required: false }]);
    const example = parseEnvFile(readDeploy('webhook-secrets.env.example'));
    expect(new Set(Object.keys(example))).toEqual(exampleSecrets);
  });
});

describe('deploy/kubernetes', () => {
  const objects = kubernetesObjects();
  const secrets = objects.filter((o) => o.kind === 'Secret') as (K8sDeployment & {
    stringData: Record<string, string>;
  })[];
  const secretKeys = (name: string) =>
    Object.keys(secrets.find((s) => s.metadata.name === name)?.stringData ?? {});

  it('lists parseable objects of known kinds, in the namespace the kustomization sets', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(
      ['Deployment', 'Deployment', 'Namespace', 'PodDisruptionBudget', 'Secret', 'Secret', 'Service'].sort(),
    );
    const kustomization = readYaml('kubernetes/kustomization.yaml') as {
      namespace: string;
      images: { name: string }[];
    };
    expect(objects.find((o) => o.kind === 'Namespace')?.metadata.name).toBe(kustomization.namespace);
    for (const service of SERVICES) {
      expect(kustomization.images.map((i) => i.name)).toContain(deploymentOf(service).container.image);
    }
  });

  for (const service of SERVICES) {
    describe(`the ${service} Deployment`, () => {
      const { deployment, container } = deploymentOf(service);
      const literal = Object.fromEntries(
        (container.env ?? []).flatMap((v) => (v.value === undefined ? [] : [[v.name, v.value]])),
      );

      it('sets only variables its schema defines, with values it accepts', () => {
        expectOnlyKnownVariables(
          service,
          (container.env ?? []).map((v) => v.name),
        );
        expect(schemaProblems(service, { ...literal, REDIS_URL: REDIS_SAMPLE })).toEqual([]);
        for (const variable of container.env ?? []) {
          const ref = variable.valueFrom?.secretKeyRef;
          if (variable.value === undefined) expect(ref, variable.name).toBeDefined();
          if (ref !== undefined) expect(secretKeys(ref.name)).toContain(ref.key);
        }
      });

      it('probes the port the service listens on', () => {
        const port = listenPort(service, literal);
        const probes = probesOf(container);
        expect(probes.map(([kind]) => kind)).toEqual(expect.arrayContaining(['liveness', 'readiness']));
        for (const [, probe] of probes) {
          const named = container.ports?.find(
            (p) => p.name === probe.httpGet.port || p.containerPort === probe.httpGet.port,
          );
          expect(named?.containerPort).toBe(port);
        }
        // Liveness must not depend on Redis (a Redis outage must not restart the pods); readiness must.
        expect(container.livenessProbe?.httpGet.path).toBe('/healthz');
        expect(container.readinessProbe?.httpGet.path).toBe('/readyz');
      });

      it('gives the service time to stop by itself before the kill', () => {
        const shutdownMs = ENV_SCHEMAS[service].parse(literal).SHUTDOWN_TIMEOUT_MS + SHUTDOWN_EXTRA_MS;
        const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
        const preStopSeconds = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
        const grace = deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30;
        expect(grace).toBeGreaterThan(preStopSeconds + shutdownMs / 1000);
        expect(grace).toBeLessThanOrEqual(preStopSeconds + shutdownMs / 1000 + 10);
      });

      it('runs as a non-root user with requests and limits', () => {
        const pod = deployment.spec.template.spec as { securityContext?: { runAsNonRoot?: boolean } };
        expect(pod.securityContext?.runAsNonRoot).toBe(true);
        expect(container.resources?.requests?.memory).toBeDefined();
        expect(container.resources?.requests?.cpu).toBeDefined();
        expect(container.resources?.limits?.cpu).toBeDefined();
        const limit = mebibytes(container.resources?.limits?.memory ?? '');
        expect(limit).toBeGreaterThan(mebibytes(container.resources?.requests?.memory ?? ''));
      });
    });
  }

  it("sizes the collector's memory on PRODUCT.md's 256 MB target, with room above its capped heap", () => {
    const { container } = deploymentOf('collector');
    const request = mebibytes(container.resources?.requests?.memory ?? '');
    const limit = mebibytes(container.resources?.limits?.memory ?? '');
    expect(request).toBeGreaterThanOrEqual(256 * 0.95);
    // The capped old space plus ≈160 MiB that Node, the code and the buffers take besides (docs/benchmarks-history.md).
    expect(limit).toBeGreaterThanOrEqual(heapCapMiB(SERVICE_NODE_FLAGS.collector) + 160);
    expect(limit).toBeLessThanOrEqual(2 * 256);
  });

  it('routes the collector Service to the named port of the pods it selects', () => {
    const { deployment, container } = deploymentOf('collector');
    const service = objects.find((o) => o.kind === 'Service') as K8sDeployment & {
      spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] };
    };
    for (const [key, value] of Object.entries(service.spec.selector)) {
      expect(deployment.spec.template.metadata.labels[key]).toBe(value);
    }
    expect(deployment.spec.selector.matchLabels).toEqual(service.spec.selector);
    const port = service.spec.ports[0];
    expect(container.ports?.find((p) => p.name === port?.targetPort)?.containerPort).toBe(port?.port);
  });

  it("hands the evaluator the example spec's env:NAME secrets, and nothing else outside its schema", () => {
    const { container } = deploymentOf('evaluator');
    const fromSecrets = (container.envFrom ?? []).map((e) => e.secretRef?.name);
    expect(fromSecrets).toEqual(['rollout-guard-webhook-secrets']);
    expect(new Set(secretKeys('rollout-guard-webhook-secrets'))).toEqual(exampleSecrets);
    const collector: K8sContainer = deploymentOf('collector').container;
    expect(collector.envFrom).toBeUndefined();
  });
});

describe('deploy/systemd', () => {
  for (const service of SERVICES) {
    describe(`rollout-guard-${service}.service`, () => {
      const unit = parseUnit(readDeploy(`systemd/rollout-guard-${service}.service`));
      const setting = (key: string) => unit.get('Service')?.get(key) ?? [];

      it('restarts on failure, stops with SIGTERM and waits longer than the service takes to stop', () => {
        expect(setting('Restart')).toEqual(['on-failure']);
        expect(setting('KillSignal')).toEqual(['SIGTERM']);
        expect(setting('User')).not.toEqual(['root']);
        expect(setting('User')).toHaveLength(1);
        const env = parseEnvFile(readDeploy(`systemd/${service}.env`));
        const shutdownMs = ENV_SCHEMAS[service].parse(env).SHUTDOWN_TIMEOUT_MS + SHUTDOWN_EXTRA_MS;
        expect(Number.parseInt(setting('TimeoutStopSec')[0] ?? '', 10) * 1000).toBeGreaterThan(shutdownMs);
        expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
      });

      it('runs the built bundle with the project node flags', () => {
        const [node, ...argv] = (setting('ExecStart')[0] ?? '').split(/\s+/);
        expect(node).toBe('/usr/bin/node');
        const workdir = setting('WorkingDirectory')[0];
        expect(argv).toEqual([...SERVICE_NODE_FLAGS[service], `${workdir}/${builtEntry(service)}`]);
      });

      it('sets the project service environment (what the EnvironmentFile sets wins over it)', () => {
        expect(setting('Environment')).toEqual(
          Object.entries(SERVICE_ENVIRONMENT[service]).map(([name, value]) => `${name}=${value}`),
        );
      });

      it('reads an environment file whose example sets only variables its schema defines and accepts', () => {
        const files = setting('EnvironmentFile');
        expect(files[0]).toBe(`/etc/rollout-guard/${service}.env`);
        const env = parseEnvFile(readDeploy(`systemd/${service}.env`));
        expectOnlyKnownVariables(service, Object.keys(env));
        // The token placeholder is meant to be refused; everything else must parse as written.
        expect(schemaProblems(service, env)).toEqual([]);
        expect(Object.keys(env)).toEqual(expect.arrayContaining(['REDIS_URL', 'HOST', 'LOG_LEVEL']));
        if (service === 'evaluator') expect(files[1]).toBe('-/etc/rollout-guard/webhook-secrets.env');
      });
    });
  }
});

describe('deploy/prometheus', () => {
  const promtool = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';
  const dir = mkdtempSync(join(tmpdir(), 'rg-deploy-prometheus-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** promtool's verdict on a full Prometheus configuration made of a global section and `snippet`. */
  async function checkConfig(snippet: string): Promise<{ ok: boolean; output: string }> {
    const file = join(dir, `prometheus-${Math.random().toString(36).slice(2)}.yml`);
    writeFileSync(
      file,
      [
        'global:',
        '  scrape_interval: 15s',
        'scrape_configs:',
        '  - job_name: app',
        '    static_configs:',
        '      - targets: ["127.0.0.1:8080"]',
        snippet,
      ].join('\n'),
    );
    try {
      const { stdout, stderr } = await run(promtool, ['check', 'config', file]);
      return { ok: true, output: stdout + stderr };
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; message: string };
      return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? failed.message}` };
    }
  }

  interface RemoteWrite {
    url: string;
    write_relabel_configs: {
      source_labels?: string[];
      regex?: string;
      action?: string;
      modulus?: number;
      target_label?: string;
    }[];
  }
  const snippets = ['prometheus/remote-write.yml', 'prometheus/remote-write-sharded.yml'];

  for (const path of snippets) {
    it(`${path} is a configuration promtool accepts`, async () => {
      const result = await checkConfig(readDeploy(path));
      expect(result.output).toContain('SUCCESS');
      expect(result.ok).toBe(true);
    });
  }

  it('promtool does reject a broken remote_write section (the check above can fail)', async () => {
    const broken = readDeploy('prometheus/remote-write-sharded.yml').replace(
      'action: hashmod',
      'action: hashmood',
    );
    const result = await checkConfig(broken);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('hashmood');
  });

  for (const path of snippets) {
    it(`${path} sends to the collector's remote-write route and keeps every metric the example spec reads`, () => {
      const entries = (readYaml(path) as { remote_write: RemoteWrite[] }).remote_write;
      for (const entry of entries) {
        const url = new URL(entry.url);
        expect(url.pathname).toBe('/api/v1/write');
        expect(Number(url.port)).toBe(listenPort('collector', {}));
        const keep = entry.write_relabel_configs.find(
          (r) => r.action === 'keep' && r.source_labels?.join() === '__name__',
        );
        // Prometheus anchors relabelling regexes at both ends.
        const kept = new RegExp(`^(?:${keep?.regex})$`);
        for (const metric of exampleMetrics) expect(kept.test(metric), metric).toBe(true);
        for (const suffix of ['_bucket', '_sum', '_count']) {
          expect(kept.test(`copilot_response_seconds${suffix}`)).toBe(true);
        }
        expect(kept.test('go_goroutines')).toBe(false);
        expect(kept.test('contacts_total_extra')).toBe(false);
      }
    });
  }

  it('splits series over one remote_write entry per shard, hashing the same labels in each', () => {
    const entries = (readYaml('prometheus/remote-write-sharded.yml') as { remote_write: RemoteWrite[] })
      .remote_write;
    expect(entries).toHaveLength(2);
    expect(new Set(entries.map((e) => e.url)).size).toBe(entries.length);
    const shards = entries.map((entry) => {
      const hash = entry.write_relabel_configs.find((r) => r.action === 'hashmod');
      expect(hash?.modulus).toBe(entries.length);
      const keepShard = entry.write_relabel_configs.find(
        (r) => r.action === 'keep' && r.source_labels?.[0] === hash?.target_label,
      );
      // Apart from which shard it keeps, every entry relabels alike: a series hashes the same everywhere.
      const rest = entry.write_relabel_configs.filter((r) => r !== keepShard);
      return { shard: keepShard?.regex, rest: JSON.stringify(rest) };
    });
    expect(shards.map((s) => s.shard).sort()).toEqual(entries.map((_, i) => String(i)));
    expect(new Set(shards.map((s) => s.rest)).size).toBe(1);
    const family = entries[0]?.write_relabel_configs.find(
      (r) => r.target_label === '__tmp_rollout_guard_family',
    );
    // A histogram's _bucket, _sum and _count hash alike, so one collector reassembles it.
    const familyOf = (name: string) => new RegExp(`^(?:${family?.regex})$`).exec(name)?.[1];
    expect(familyOf('copilot_response_seconds_bucket')).toBe('copilot_response_seconds');
    expect(familyOf('copilot_response_seconds_sum')).toBe('copilot_response_seconds');
    expect(familyOf('contacts_total')).toBe('contacts_total');
  });
});

describe('deploy/otel-collector.yaml', () => {
  const config = readYaml('otel-collector.yaml') as {
    receivers: Record<string, unknown>;
    processors: Record<string, { metrics?: { metric?: string[] } }>;
    exporters: Record<
      string,
      { metrics_endpoint?: string; encoding?: string; headers?: Record<string, string> }
    >;
    service: {
      pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
    };
  };

  it("exports OTLP/HTTP protobuf to the collector's /v1/metrics with an ingest token", () => {
    const exporter = config.exporters['otlphttp/rollout-guard'];
    const url = new URL(exporter?.metrics_endpoint ?? '');
    expect(url.pathname).toBe('/v1/metrics');
    expect(Number(url.port)).toBe(listenPort('collector', {}));
    expect(exporter?.encoding).toBe('proto');
    expect(exporter?.headers?.Authorization).toMatch(/^Bearer \$\{env:[A-Z_]+\}$/);
  });

  it('has a metrics pipeline made only of components it defines', () => {
    const pipeline = config.service.pipelines['metrics/rollout-guard'];
    expect(pipeline).toBeDefined();
    for (const name of pipeline?.receivers ?? []) expect(Object.keys(config.receivers)).toContain(name);
    for (const name of pipeline?.processors ?? []) expect(Object.keys(config.processors)).toContain(name);
    expect(pipeline?.exporters).toEqual(['otlphttp/rollout-guard']);
  });

  it('drops every metric but those the example spec reads', () => {
    const condition = config.processors['filter/rollout-guard']?.metrics?.metric?.[0] ?? '';
    const pattern = /^not IsMatch\(name, "(.+)"\)$/.exec(condition)?.[1];
    expect(pattern).toBeDefined();
    const kept = new RegExp(pattern ?? '$^');
    for (const metric of exampleMetrics) expect(kept.test(metric), metric).toBe(true);
    expect(kept.test('http_server_duration')).toBe(false);
  });
});
