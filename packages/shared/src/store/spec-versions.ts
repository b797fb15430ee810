import { initialState, TERMINAL_PHASES } from '../decision/state.ts';
import { globalKeys, rolloutKeys } from '../redis/keys.ts';
import type { RolloutSpec } from '../spec/resolved.ts';
import { type AuditDraft, positionOf } from './audit-entry.ts';
import { luaScript, type RedisConnection, runScript } from './lua-script.ts';
import type { StoredSpec, StoredState } from './records.ts';
import type { StoreContext } from './store-context.ts';
import { ContentionError } from './store-errors.ts';

const putSpecScript = luaScript('put-spec', new URL('./put-spec.lua', import.meta.url));

export interface PutSpecInput {
  readonly spec: RolloutSpec;
  readonly source: string;
  readonly contentType: string;
  readonly actor: string;
}

/** Reads a spec version (the current one by default); versions never change once stored, so parsed copies are kept (bounded). */
export function cachedSpecReader(redis: RedisConnection): StoreContext['getSpec'] {
  const specCache = new Map<string, StoredSpec>();
  return async function getSpec(name: string, version?: number): Promise<StoredSpec | null> {
    const keys = rolloutKeys(name);
    const wanted = version ?? Number((await redis.hget(keys.spec, 'current')) ?? 0);
    if (wanted === 0) return null;
    const cacheKey = `${name}@${wanted}`;
    const cached = specCache.get(cacheKey);
    if (cached !== undefined) return cached;
    const text = await redis.hget(keys.spec, `v${wanted}`);
    if (text === null) return null;
    const stored = JSON.parse(text) as StoredSpec;
    if (specCache.size >= 2000) specCache.delete(specCache.keys().next().value as string);
    specCache.set(cacheKey, stored);
    return stored;
  };
}

/** Every stored version of a rollout's spec, oldest first, without the spec and its source. */
export async function listSpecVersions(
  redis: RedisConnection,
  name: string,
): Promise<Array<Omit<StoredSpec, 'spec' | 'source'>>> {
  const fields = await redis.hgetall(rolloutKeys(name).spec);
  return Object.entries(fields)
    .filter(([field]) => field.startsWith('v'))
    .map(([, text]) => {
      const { spec: _spec, source: _source, ...summary } = JSON.parse(text) as StoredSpec;
      return summary;
    })
    .sort((a, b) => a.version - b.version);
}

/** Stores a new spec version (and the fresh state of a new, pending or ended rollout), then syncs `rg:active`. */
export async function putSpec(
  ctx: StoreContext,
  input: PutSpecInput,
  now = Date.now(),
): Promise<{ stored: StoredSpec; state: StoredState }> {
  const { redis, maxAttempts } = ctx;
  const name = input.spec.metadata.name;
  const keys = rolloutKeys(name);
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const current = Number((await redis.hget(keys.spec, 'current')) ?? 0);
    const existing = await ctx.getState(name);
    const version = current + 1;
    const stored: StoredSpec = {
      version,
      spec: input.spec,
      source: input.source,
      contentType: input.contentType,
      createdAt: now,
      actor: input.actor,
    };
    // A rollout that has not started, or has ended, takes the new version at once; a running one keeps
    // judging by the version it started with (its plan travels in its state) until it ends.
    const replace =
      existing === null ||
      existing.state.phase === 'pending' ||
      TERMINAL_PHASES.includes(existing.state.phase);
    const state = replace ? initialState(input.spec, version) : null;
    const audit: AuditDraft = {
      at: now,
      kind: existing === null ? 'created' : 'spec',
      actor: input.actor,
      specVersion: version,
      event: {
        type: 'spec-stored',
        version,
        note: replace
          ? `spec version ${version} stored; the rollout is pending under it`
          : `spec version ${version} stored; the running rollout keeps judging by version ${existing?.state.specVersion} until it ends`,
      },
      from: existing === null ? null : positionOf(existing.state),
      to: state === null ? null : positionOf(state),
      decisions: [],
      summary: `spec version ${version} stored by ${input.actor}`,
    };
    const result = (await runScript(
      redis,
      putSpecScript,
      [keys.spec, keys.state, keys.audit],
      [
        current,
        JSON.stringify(stored),
        existing?.rev ?? 0,
        state === null ? '' : JSON.stringify(state),
        now,
        JSON.stringify(audit),
      ],
    )) as [number, number | string, number];
    if (result[0] !== 1) continue;
    const rev = Number(result[2]);
    await redis.sadd(globalKeys.rollouts, name);
    const storedState: StoredState =
      state === null && existing !== null ? existing : { rev, updatedAt: now, state: state! };
    const running = await ctx.getSpec(name, storedState.state.specVersion);
    if (running !== null) await ctx.syncActive(name, { spec: running, state: storedState });
    return { stored, state: storedState };
  }
  throw new ContentionError(
    `rollout "${name}": the spec changed under ${maxAttempts} attempts to store it; try again`,
  );
}
