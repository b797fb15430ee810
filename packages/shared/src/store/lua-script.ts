import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

export type RedisConnection = Redis | Cluster;

/** A Lua script run by its SHA1, loaded into Redis on first use (or after a restart or SCRIPT FLUSH). */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

export function luaScript(name: string, url: URL): LuaScript {
  const source = readFileSync(url, 'utf8');
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/** EVALSHA, falling back to EVAL when this Redis has not seen the script (NOSCRIPT). */
export async function runScript(
  redis: RedisConnection,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
      return redis.eval(script.source, keys.length, ...keys, ...args);
    }
    throw error;
  }
}
