import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { jsonLine, type SpawnedProcess, spawnTs } from '@rollout-guard/shared/testing';
import pg from 'pg';
import { expect } from 'vitest';

// A real Unleash server for a test file: a fresh PostgreSQL database on the machine's server
// (127.0.0.1:5432, trust auth, user postgres; `.ci/run` starts it), Unleash 7.5 in a process of its own on
// a free port with an admin token and a client token for `environment`, and the Admin API calls the tests
// use to arrange and to observe a flag. Start it once per file: its migrations take seconds.

const postgres = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' } as const;

async function onPostgres(sql: string): Promise<void> {
  const client = new pg.Client(postgres);
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `the Unleash tests need PostgreSQL at 127.0.0.1:5432 (trust auth, user postgres); start it (.ci/run does): ${(error as Error).message}`,
    );
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface UnleashStrategy {
  id: string;
  name: string;
  parameters: Record<string, string>;
  constraints: unknown[];
}

export interface UnleashEnvironment {
  name: string;
  enabled: boolean;
  strategies: UnleashStrategy[];
}

export interface TestUnleash {
  url: string;
  adminToken: string;
  clientToken: string;
  /** The environment the client token reads. */
  environment: string;
  /** An Admin API call; throws unless the status is one of `expect`. */
  admin(method: string, path: string, body?: unknown, expectStatus?: number[]): Promise<unknown>;
  createFlag(name: string, project?: string): Promise<void>;
  /** The flag's state in one environment, as the Admin API shows it. */
  environmentOf(flag: string, environment?: string, project?: string): Promise<UnleashEnvironment>;
  stop(): Promise<void>;
}

export async function startUnleash(environment = 'production'): Promise<TestUnleash> {
  const database = `rollout_guard_unleash_${process.pid}_${randomBytes(4).toString('hex')}`;
  await onPostgres(`CREATE DATABASE ${database}`);
  const adminToken = `*:*.${randomBytes(16).toString('hex')}`;
  const clientToken = `*:${environment}.${randomBytes(16).toString('hex')}`;
  let server: SpawnedProcess | undefined;
  try {
    server = spawnTs({
      args: [fileURLToPath(new URL('./unleash-main.ts', import.meta.url))],
      env: {
        ...process.env,
        UNLEASH_DATABASE: database,
        UNLEASH_ADMIN_TOKEN: adminToken,
        UNLEASH_CLIENT_TOKEN: clientToken,
      },
    });
    const ready = await server.waitForLine((line) => jsonLine(line)?.msg === 'unleash ready', 90_000);
    const url = `http://127.0.0.1:${jsonLine(ready)?.port}`;
    const admin: TestUnleash['admin'] = async (method, path, body, expectStatus = [200, 201, 202, 204]) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: adminToken,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await response.text();
      if (!expectStatus.includes(response.status)) {
        throw new Error(`Unleash ${method} ${path} answered ${response.status}: ${text}`);
      }
      return text === '' ? undefined : JSON.parse(text);
    };
    const running = server;
    return {
      url,
      adminToken,
      clientToken,
      environment,
      admin,
      async createFlag(name, project = 'default') {
        await admin('POST', `/api/admin/projects/${project}/features`, { name, type: 'release' });
      },
      async environmentOf(flag, env = environment, project = 'default') {
        const feature = (await admin('GET', `/api/admin/projects/${project}/features/${flag}`)) as {
          environments: UnleashEnvironment[];
        };
        const found = feature.environments.find((e) => e.name === env);
        expect(found, `flag ${flag} has environment ${env}`).toBeDefined();
        return found as UnleashEnvironment;
      },
      async stop() {
        await running.kill();
        await onPostgres(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      },
    };
  } catch (error) {
    await server?.kill();
    await onPostgres(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    throw error;
  }
}
