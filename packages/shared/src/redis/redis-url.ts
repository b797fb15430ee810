/**
 * REDIS_URL forms rollout-guard accepts (documented in the README):
 *
 *   redis://[[user]:password@]host[:6379][/db]                          standalone
 *   rediss://…                                                          standalone over TLS
 *   redis+sentinel://[[user]:password@]host1[:26379],host2[:26379]/master[/db][?sentinelPassword=…&sentinelUsername=…]
 *   rediss+sentinel://…                                                 Sentinel, TLS to sentinels and master
 *   redis+cluster://[[user]:password@]host1[:6379],host2[:6379]         Cluster (seed nodes)
 *   rediss+cluster://…                                                  Cluster over TLS
 *
 * The WHATWG URL parser refuses several hosts in one authority, so this parser is hand-written.
 */
export interface RedisNode {
  host: string;
  port: number;
}

interface Auth {
  username?: string;
  password?: string;
  tls: boolean;
}

export type RedisTarget =
  | ({ kind: 'standalone'; host: string; port: number; db: number } & Auth)
  | ({
      kind: 'sentinel';
      sentinels: RedisNode[];
      masterName: string;
      db: number;
      sentinelUsername?: string;
      sentinelPassword?: string;
    } & Auth)
  | ({ kind: 'cluster'; nodes: RedisNode[] } & Auth);

const FORMS =
  'redis://host:6379/0, rediss://…, redis+sentinel://host1:26379,host2:26379/mymaster or redis+cluster://host1:6379,host2:6379';

export class RedisUrlError extends Error {
  override name = 'RedisUrlError';
}

const SCHEMES: Record<string, { kind: RedisTarget['kind']; tls: boolean; defaultPort: number }> = {
  redis: { kind: 'standalone', tls: false, defaultPort: 6379 },
  rediss: { kind: 'standalone', tls: true, defaultPort: 6379 },
  'redis+sentinel': { kind: 'sentinel', tls: false, defaultPort: 26379 },
  'rediss+sentinel': { kind: 'sentinel', tls: true, defaultPort: 26379 },
  'redis+cluster': { kind: 'cluster', tls: false, defaultPort: 6379 },
  'rediss+cluster': { kind: 'cluster', tls: true, defaultPort: 6379 },
};

const URL_SHAPE = /^([a-z+]+):\/\/(?:([^@/]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i;

export function parseRedisUrl(url: string): RedisTarget {
  const shape = URL_SHAPE.exec(url.trim());
  if (shape === null) throw new RedisUrlError(`"${redact(url)}" is not a Redis URL; expected ${FORMS}`);
  const [, rawScheme = '', userinfo, hostList = '', path = '', query = ''] = shape;
  const scheme = SCHEMES[rawScheme.toLowerCase()];
  if (scheme === undefined) {
    throw new RedisUrlError(`unknown scheme "${rawScheme}://" in Redis URL; expected ${FORMS}`);
  }

  const auth: Auth = { tls: scheme.tls, ...parseUserinfo(userinfo) };
  const nodes = parseHosts(hostList, scheme.defaultPort, url);
  const segments = path.split('/').filter((segment) => segment !== '');
  const params = new URLSearchParams(query);

  switch (scheme.kind) {
    case 'standalone': {
      if (nodes.length !== 1) {
        throw new RedisUrlError(
          `${rawScheme}:// takes one host, got ${nodes.length}; for several use redis+sentinel:// or redis+cluster://`,
        );
      }
      if (segments.length > 1)
        throw new RedisUrlError(`"${path}" is not a database number; expected /0 … /15`);
      return { kind: 'standalone', ...nodes[0]!, db: parseDb(segments[0]), ...auth };
    }
    case 'sentinel': {
      const [masterName, db, ...rest] = segments;
      if (masterName === undefined || rest.length > 0) {
        throw new RedisUrlError(
          `a Sentinel URL names its master after the hosts: redis+sentinel://host1:26379,host2:26379/mymaster[/db]`,
        );
      }
      const sentinelUsername = params.get('sentinelUsername');
      const sentinelPassword = params.get('sentinelPassword');
      return {
        kind: 'sentinel',
        sentinels: nodes,
        masterName: decodeURIComponent(masterName),
        db: parseDb(db),
        ...auth,
        ...(sentinelUsername === null ? {} : { sentinelUsername }),
        ...(sentinelPassword === null ? {} : { sentinelPassword }),
      };
    }
    case 'cluster': {
      // Cluster has only database 0, so a path would be silently ignored: refuse it instead.
      if (segments.length > 0) throw new RedisUrlError(`Redis Cluster has no databases; remove "${path}"`);
      return { kind: 'cluster', nodes, ...auth };
    }
  }
}

function parseUserinfo(userinfo: string | undefined): Omit<Auth, 'tls'> {
  if (userinfo === undefined || userinfo === '') return {};
  const colon = userinfo.indexOf(':');
  const username = decodeURIComponent(colon === -1 ? userinfo : userinfo.slice(0, colon));
  const password = colon === -1 ? undefined : decodeURIComponent(userinfo.slice(colon + 1));
  // `redis://:secret@host` is the classic password-only form: no ACL user.
  if (password === undefined) return { password: username };
  return { ...(username === '' ? {} : { username }), password };
}

function parseHosts(hostList: string, defaultPort: number, url: string): RedisNode[] {
  if (hostList === '') throw new RedisUrlError(`"${redact(url)}" names no host; expected ${FORMS}`);
  return hostList.split(',').map((entry) => {
    // [::1]:6379 — IPv6 literals keep their brackets out of the host.
    const ipv6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const plain = /^([A-Za-z0-9._-]+)(?::(\d+))?$/.exec(entry);
    const match = ipv6 ?? plain;
    if (match === null) throw new RedisUrlError(`"${entry}" is not a host[:port] in the Redis URL`);
    const port = match[2] === undefined ? defaultPort : Number(match[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RedisUrlError(`port "${match[2]}" of "${entry}" is not between 1 and 65535`);
    }
    return { host: match[1]!, port };
  });
}

function parseDb(segment: string | undefined): number {
  if (segment === undefined) return 0;
  if (!/^\d+$/.test(segment))
    throw new RedisUrlError(`"/${segment}" is not a database number; expected /0 … /15`);
  return Number(segment);
}

/** The URL with its password replaced, safe for logs and error messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
