import { initialState, TERMINAL_PHASES } from '../decision/state.ts';
import { globalKeys, rolloutKeys } from '../redis/keys.ts';
import type { RolloutSpec } from '../spec/resolved.ts';
import { type AmendInput, amendment } from './amend-running.ts';
import { type AuditDraft, positionOf } from './audit-entry.ts';
import { copyAuditSoon } from './audit-log.ts';
import { luaScript, type RedisConnection, runScript } from './lua-script.ts';
import type { OutboxEntry, StoredSpec, StoredState } from './records.ts';
import type { StoreContext } from './store-context.ts';
import { ContentionError } from './store-errors.ts';

const putSpecScript = luaScript('put-spec', new URL('./put-spec.lua', import.meta.url));

export interface PutSpecInput {
  readonly spec: RolloutSpec;
  readonly source: string;
  readonly contentType: string;
  readonly actor: string;
  /**
   * When the rollout is running, make it judge by the new version at once, in the same step that stores it
   * (the caller has checked that a running rollout may take these changes). Without it, a running rollout
   * keeps judging by the version it started with until it ends.
   */
  readonly applyToRunning?: AmendInput;
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

/**
 * Stores a new spec version with, in the same script, the fresh state of a new, pending or ended rollout or
 * (with `applyToRunning`) the amended state of a running one; then syncs `rg:active`.
 */
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
    // judging by the version it started with (its plan travels in its state) until it ends, unless the
    // caller asks it to take the new version now (`applyToRunning`), in this same step.
    const replace =
      existing === null ||
      existing.state.phase === 'pending' ||
      TERMINAL_PHASES.includes(existing.state.phase);
    const amended =
      replace || existing === null || input.applyToRunning === undefined
        ? null
        : amendment(existing.state, input.spec, version, input.actor, input.applyToRunning, now);
    const state = replace ? initialState(input.spec, version) : (amended?.state ?? null);
    const outbox: readonly OutboxEntry[] = amended?.outbox ?? [];
    const audit: AuditDraft = amended?.audit ?? {
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
      [keys.spec, keys.state, keys.audit, keys.outbox],
      [
        current,
        JSON.stringify(stored),
        existing?.rev ?? 0,
        state === null ? '' : JSON.stringify(state),
        now,
        JSON.stringify(audit),
        outbox.length,
        ...outbox.flatMap((entry) => [entry.id, JSON.stringify(entry)]),
      ],
    )) as [number, number | string, number];
    if (result[0] !== 1) continue;
    const rev = Number(result[2]);
    await redis.sadd(globalKeys.rollouts, name);
    await copyAuditSoon(redis, name);
    // A new version of an archived rollout brings it back.
    await redis.srem(globalKeys.archived, name);
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
