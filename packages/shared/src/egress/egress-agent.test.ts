import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEgress, type Egress, type Resolve } from './egress-agent.ts';
import { EgressRefusedError, ResponseTooLargeError } from './egress-error.ts';
import { defaultEgressPolicy, type EgressPolicy, parseAllowlist } from './egress-policy.ts';
import { readCapped } from './read-capped.ts';

const defaults = defaultEgressPolicy;
const loopbackAllowed: EgressPolicy = { ...defaults, allowLoopback: true };

interface Receiver {
  url: string;
  port: number;
  connections: number;
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
}

const servers: Server[] = [];
const egresses: Egress[] = [];

afterEach(async () => {
  await Promise.all(egresses.splice(0).map((egress) => egress.close()));
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

/** A local HTTP server that records what reaches it; `answer` decides each response. */
async function receiver(
  answer: (
    request: IncomingMessage,
    send: (status: number, headers?: Record<string, string>, body?: string) => void,
  ) => void = (_, send) => send(200, {}, 'ok'),
  host = '127.0.0.1',
): Promise<Receiver> {
  const state: Receiver = { url: '', port: 0, connections: 0, requests: [] };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      state.requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body,
      });
      answer(request, (status, headers = {}, text = '') => {
        response.writeHead(status, headers);
        response.end(text);
      });
    });
  });
  server.on('connection', () => {
    state.connections++;
  });
  server.listen(0, host);
  await once(server, 'listening');
  servers.push(server);
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://${host.includes(':') ? `[${host}]` : host}:${state.port}`;
  return state;
}

function egressOf(policy: EgressPolicy, resolve?: Resolve): Egress {
  const egress = createEgress(policy, resolve === undefined ? {} : { resolve });
  egresses.push(egress);
  return egress;
}

async function refusal(promise: Promise<unknown>): Promise<EgressRefusedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(EgressRefusedError);
  return error as EgressRefusedError;
}

describe('createEgress: where a request may go', () => {
  it('refuses a loopback address by default, before connecting', async () => {
    const r = await receiver();
    const error = await refusal(egressOf(defaults).fetch(`${r.url}/hook`));
    expect(error.reason).toBe('loopback');
    expect(error.message).toContain('EGRESS_ALLOW_LOOPBACK=true');
    expect(r.connections).toBe(0);
  });

  it('refuses IPv6 loopback too', async () => {
    const r = await receiver(undefined, '::1');
    const error = await refusal(egressOf(defaults).fetch(`${r.url}/hook`));
    expect(error.reason).toBe('loopback');
    expect(r.connections).toBe(0);
  });

  it('refuses a name the system resolves to loopback (localhost)', async () => {
    const r = await receiver();
    const error = await refusal(egressOf(defaults).fetch(`http://localhost:${r.port}/hook`));
    expect(error.reason).toBe('loopback');
    expect(error.message).toContain('localhost (');
    expect(r.connections).toBe(0);
  });

  it('lets loopback through when allowed', async () => {
    const r = await receiver();
    const response = await egressOf(loopbackAllowed).fetch(`http://localhost:${r.port}/hook`, {
      method: 'POST',
      body: 'payload',
    });
    expect(response.status).toBe(200);
    expect(r.requests).toMatchObject([{ method: 'POST', url: '/hook', body: 'payload' }]);
  });

  it('judges the address a name resolves to at connect time, not the name (DNS rebinding)', async () => {
    const r = await receiver();
    // The name is allowlisted, and resolves to a public address once, then to loopback.
    const answers = ['93.184.215.14', '127.0.0.1'];
    const resolve: Resolve = async () => [{ address: answers.shift() ?? '127.0.0.1', family: 4 }];
    const egress = egressOf({ ...defaults, allowlist: parseAllowlist('hooks.example.test') }, resolve);
    await resolve('hooks.example.test'); // the check a name-based allowlist would have made, and passed
    const error = await refusal(egress.fetch(`http://hooks.example.test:${r.port}/hook`));
    expect(error.reason).toBe('loopback');
    expect(error.message).toContain('hooks.example.test (127.0.0.1)');
    expect(r.connections).toBe(0);
  });

  it('refuses a metadata address given by name, and one in the link-local range', async () => {
    const resolve: Resolve = async (name) => [
      name === 'metadata.test'
        ? { address: 'fd00:ec2::254', family: 6 }
        : { address: '169.254.169.254', family: 4 },
    ];
    const egress = egressOf(loopbackAllowed, resolve);
    expect((await refusal(egress.fetch('http://metadata.test/latest/meta-data/'))).reason).toBe('link-local');
    expect((await refusal(egress.fetch('http://169.254.169.254/latest/meta-data/'))).reason).toBe(
      'link-local',
    );
    expect((await refusal(egress.fetch('http://cloud.test/'))).message).toContain(
      'EGRESS_ALLOW_LINK_LOCAL=true',
    );
  });

  it('refuses private addresses when they are not allowed', async () => {
    const egress = egressOf({ ...defaults, allowPrivate: false }, async () => [
      { address: '10.0.0.5', family: 4 },
    ]);
    expect((await refusal(egress.fetch('http://flags.internal/'))).reason).toBe('private');
    expect((await refusal(egress.fetch('http://192.168.1.1/'))).reason).toBe('private');
  });

  it('with an allowlist, refuses what it does not name and lets through what it does', async () => {
    const r = await receiver();
    const listed = egressOf({
      ...loopbackAllowed,
      allowlist: parseAllowlist('10.0.0.0/8,hooks.example.test'),
    });
    const error = await refusal(listed.fetch(`${r.url}/hook`));
    expect(error.reason).toBe('not-allowlisted');
    expect(r.connections).toBe(0);
    const byRange = egressOf({ ...loopbackAllowed, allowlist: parseAllowlist('127.0.0.0/8') });
    expect((await byRange.fetch(`${r.url}/hook`)).status).toBe(200);
    const byName = egressOf(
      { ...loopbackAllowed, allowlist: parseAllowlist('hooks.example.test') },
      async () => [{ address: '127.0.0.1', family: 4 }],
    );
    expect((await byName.fetch(`http://hooks.example.test:${r.port}/hook`)).status).toBe(200);
    expect(r.requests).toHaveLength(2);
  });

  it('connects to an allowed address of a name that also has refused ones', async () => {
    const r = await receiver();
    const egress = egressOf({ ...loopbackAllowed, allowlist: parseAllowlist('127.0.0.1') }, async () => [
      { address: '127.0.0.2', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]);
    expect((await egress.fetch(`http://two.test:${r.port}/`)).status).toBe(200);
  });
});

describe('createEgress: redirects', () => {
  it('follows a redirect within the origin with the same method, headers and body', async () => {
    const r = await receiver((request, send) =>
      request.url === '/old' ? send(308, { location: '/new' }) : send(200, {}, 'moved'),
    );
    const response = await egressOf(loopbackAllowed).fetch(`${r.url}/old`, {
      method: 'POST',
      headers: { authorization: 'Bearer secret' },
      body: 'payload',
    });
    expect(response.status).toBe(200);
    expect(r.requests.map((q) => [q.method, q.url, q.headers.authorization, q.body])).toEqual([
      ['POST', '/old', 'Bearer secret', 'payload'],
      ['POST', '/new', 'Bearer secret', 'payload'],
    ]);
  });

  it('never follows a redirect to another origin, so its credentials go nowhere else', async () => {
    const elsewhere = await receiver();
    const r = await receiver((_, send) => send(302, { location: `${elsewhere.url}/steal` }));
    const error = await refusal(
      egressOf(loopbackAllowed).fetch(`${r.url}/metrics`, { headers: { authorization: 'Bearer secret' } }),
    );
    expect(error.reason).toBe('cross-origin-redirect');
    expect(error.message).toContain(`redirected to another origin (${elsewhere.url})`);
    expect(elsewhere.connections).toBe(0);
  });

  it('stops after the redirect limit', async () => {
    const r = await receiver((request, send) => send(302, { location: `${request.url}x` }));
    const error = await refusal(egressOf(loopbackAllowed).fetch(`${r.url}/a`, { maxRedirects: 2 }));
    expect(error.reason).toBe('too-many-redirects');
    expect(r.requests.map((q) => q.url)).toEqual(['/a', '/ax', '/axx']);
  });

  it('returns a redirect without a Location as the answer', async () => {
    const r = await receiver((_, send) => send(302));
    expect((await egressOf(loopbackAllowed).fetch(r.url)).status).toBe(302);
  });
});

describe('readCapped', () => {
  it('reads a body within the cap', async () => {
    const r = await receiver((_, send) => send(200, {}, 'x'.repeat(1000)));
    const body = await readCapped(await egressOf(loopbackAllowed).fetch(r.url), 1000);
    expect(body.toString()).toBe('x'.repeat(1000));
  });

  it.each([
    ['declared', { 'content-length': '5000' }],
    ['streamed', { 'transfer-encoding': 'chunked' }],
  ] as const)('refuses a %s body over the cap', async (_kind, headers) => {
    const r = await receiver((_, send) => send(200, headers, 'x'.repeat(5000)));
    await expect(readCapped(await egressOf(loopbackAllowed).fetch(r.url), 1000)).rejects.toBeInstanceOf(
      ResponseTooLargeError,
    );
  });
});
