/**
 * The services started the way deploy/ starts them: the systemd units' ExecStart (the built bundle
 * with the project's node flags) and the image's entrypoint script, against a private redis-server.
 * Every probe path the Kubernetes manifests and the compose file use must answer 200, and SIGTERM
 * must end each process with exit 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import {
  argumentsOf,
  environmentOf,
  freePort,
  startRedis,
  type TestRedis,
} from '@rollout-guard/shared/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildServices } from '../../scripts/build-services.ts';
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from '../../scripts/service-node-flags.ts';
import {
  type ComposeFile,
  deployDir,
  deploymentOf,
  healthcheckUrls,
  parseEnvFile,
  parseUnit,
  probesOf,
  readDeploy,
  readYaml,
  root,
  SERVICES,
  type Service,
} from './deploy-files.ts';

interface Started {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | string>;
}

const children: Started[] = [];

function start(command: string, args: string[], env: Record<string, string>): Started {
  // Only what a unit or a container would have: PATH and the configuration.
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => (signal as string | null) ?? (code as number));
  const started = { child, output, exited };
  children.push(started);
  return started;
}

/** The configuration of deploy/systemd/<service>.env, made to reach only this test's Redis on loopback. */
async function configuration(service: Service, redis: TestRedis): Promise<Record<string, string>> {
  const env = parseEnvFile(readDeploy(`systemd/${service}.env`));
  const port = String(await freePort());
  return {
    ...env,
    HOST: '127.0.0.1',
    REDIS_URL: redis.url,
    ...(service === 'collector'
      ? { PORT: port, ROLLOUT_GUARD_TOKENS: `ops:read+operate+admin:${'s'.repeat(32)}` }
      : { HEALTH_PORT: port }),
  };
}

const portOf = (env: Record<string, string>) => env.PORT ?? env.HEALTH_PORT ?? '';

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0;
  }
}

/** Every path the manifests probe or health check this service on. */
function probePaths(service: Service): string[] {
  const compose = readYaml('compose.yaml') as ComposeFile;
  const fromCompose = healthcheckUrls(compose.services[service] ?? {}).map((url) => url.pathname);
  const fromKubernetes = probesOf(deploymentOf(service).container).map(([, probe]) => probe.httpGet.path);
  return [...new Set([...fromKubernetes, ...fromCompose])];
}

async function expectServesProbesAndStops(started: Started, service: Service, port: string) {
  await expect
    .poll(() => status(`http://127.0.0.1:${port}/healthz`), { timeout: 30_000, interval: 200 })
    .toBe(200);
  const paths = probePaths(service);
  expect(paths).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
  for (const path of paths) {
    await expect.poll(() => status(`http://127.0.0.1:${port}${path}`), { timeout: 10_000 }).toBe(200);
  }
  started.child.kill('SIGTERM');
  expect(await started.exited, started.output.join('')).toBe(0);
  expect(started.output.join('')).toContain('"msg":"stopped"');
}

describe('the services as deploy/ starts them', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    await buildServices();
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const started of children.splice(0)) {
      if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
      await started.exited;
    }
  });
  afterAll(async () => {
    await redis?.stop();
  });

  for (const service of SERVICES) {
    it(`systemd: rollout-guard-${service}.service's ExecStart serves its probes and exits 0 on SIGTERM`, async () => {
      const unit = parseUnit(readDeploy(`systemd/rollout-guard-${service}.service`));
      const execStart = unit.get('Service')?.get('ExecStart')?.[0] ?? '';
      const workdir = unit.get('Service')?.get('WorkingDirectory')?.[0] ?? '';
      const [node, ...argv] = execStart.split(/\s+/);
      expect(node).toBe('/usr/bin/node');
      // This checkout stands in for the install directory; this test's node for /usr/bin/node.
      const args = argv.map((arg) =>
        arg.startsWith(`${workdir}/`) ? join(root, arg.slice(workdir.length)) : arg,
      );
      // Environment= first, then the EnvironmentFile over it, as systemd reads them.
      const unitEnvironment = parseEnvFile((unit.get('Service')?.get('Environment') ?? []).join('\n'));
      const env = { ...unitEnvironment, ...(await configuration(service, redis)) };
      const started = start(process.execPath, args, env);
      await expectServesProbesAndStops(started, service, portOf(env));
    });

    it(`image entrypoint: "docker-entrypoint.sh ${service}" runs node with the project flags and environment, and stops on SIGTERM`, async () => {
      const env = await configuration(service, redis);
      const started = start('sh', [join(deployDir, 'docker-entrypoint.sh'), service], env);
      await expect
        .poll(() => status(`http://127.0.0.1:${portOf(env)}/healthz`), { timeout: 30_000, interval: 200 })
        .toBe(200);
      // `exec`: the process the signal reaches is node itself, with the flags before the bundle.
      const argv = argumentsOf(started.child.pid ?? 0);
      expect(argv[0]).toBe('node');
      expect(argv.slice(1)).toEqual([
        ...SERVICE_NODE_FLAGS[service],
        join(root, `services/${service}/dist/main.js`),
      ]);
      expect(environmentOf(started.child.pid ?? 0)).toMatchObject(SERVICE_ENVIRONMENT[service]);
      await expectServesProbesAndStops(started, service, portOf(env));
    });
  }

  it('image entrypoint: an unknown service is a usage error', async () => {
    const started = start('sh', [join(deployDir, 'docker-entrypoint.sh'), 'scheduler'], {});
    expect(await started.exited).toBe(64);
    expect(started.output.join('')).toContain('usage: docker-entrypoint.sh collector|evaluator');
  });

  it('systemd: the collector.env token placeholder is refused at start, so nothing listens open', async () => {
    const env = { ...(await configuration('collector', redis)) };
    env.ROLLOUT_GUARD_TOKENS = parseEnvFile(readDeploy('systemd/collector.env')).ROLLOUT_GUARD_TOKENS ?? '';
    const started = start(
      process.execPath,
      [...SERVICE_NODE_FLAGS.collector, join(root, 'services/collector/dist/main.js')],
      env,
    );
    expect(await started.exited).toBe(1);
    expect(started.output.join('')).toContain('ROLLOUT_GUARD_TOKENS');
  });
});
