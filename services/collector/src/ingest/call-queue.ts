import type { RedisClient } from '@rollout-guard/shared/redis';
import {
  type CallMember,
  type GroupKey,
  type IngestCall,
  type IngestOp,
  type IngestResult,
  runIngestCall,
  runIngestCalls,
  runJoinedCall,
} from './ingest-call.ts';
import { FIRST_TABLE_KEY, KeyTable } from './script-protocol.ts';
import type { SeriesStateCache } from './series-state.ts';

/*
 * Small requests folded into one ingest call. Each call is a round trip to Redis and a script run
 * with a cost of its own (the bucket keys, the markers) whatever its size: for requests of 100 series
 * that cost is most of the work. While one of a rollout's calls is in flight, the rollout's next
 * small calls wait and are joined into one (up to the call's bounded size), sent when a call of the
 * rollout comes back. Each request is answered with its own part's counts; when the joined call
 * fails, each request is stored alone and answered as it would have been had it come alone, and a
 * request applied before (a sender's retry) is answered as such while the others are stored.
 */

/** A call waiting to be joined, and its request's answer. */
interface Waiting {
  readonly call: IngestCall;
  readonly resolve: (result: IngestResult) => void;
  readonly reject: (error: unknown) => void;
}

/** One rollout's calls: how many are in flight, and those waiting to be joined into the next. */
interface RolloutCalls {
  inFlight: number;
  waiting: Waiting[];
  waitingOps: number;
}

/** The ingest calls of one collector, per rollout; one per ingest runtime. */
export class CallQueue {
  readonly #rollouts = new Map<string, RolloutCalls>();

  /**
   * Stores `call` (one request's part for one rollout): alone at once when none of its rollout's calls
   * is in flight or it is large (`runIngestCalls`, split by `maxOps`), else joined with the rollout's
   * other waiting calls once one comes back.
   */
  run(redis: RedisClient, call: IngestCall, cache: SeriesStateCache, maxOps: number): Promise<IngestResult> {
    if (call.ops.length * 2 > maxOps) return runIngestCalls(redis, call, cache, maxOps);
    let calls = this.#rollouts.get(call.rollout);
    if (calls === undefined) {
      calls = { inFlight: 0, waiting: [], waitingOps: 0 };
      this.#rollouts.set(call.rollout, calls);
    }
    const rollout = calls;
    return new Promise<IngestResult>((resolve, reject) => {
      const waiting = { call, resolve, reject };
      if (rollout.inFlight === 0) {
        this.#send(redis, rollout, [waiting], cache);
        return;
      }
      // A full set, or one holding the same batch (a sender's retry while it is stored), goes first.
      const full = rollout.waitingOps + call.ops.length > maxOps;
      const same = call.digest !== '' && rollout.waiting.some((w) => w.call.digest === call.digest);
      if (full || same || !rollout.waiting.every((w) => joinable(w.call, call))) {
        this.#sendWaiting(redis, rollout, cache);
      }
      rollout.waiting.push(waiting);
      rollout.waitingOps += call.ops.length;
    });
  }

  #sendWaiting(redis: RedisClient, rollout: RolloutCalls, cache: SeriesStateCache) {
    if (rollout.waiting.length === 0) return;
    const waiting = rollout.waiting;
    rollout.waiting = [];
    rollout.waitingOps = 0;
    this.#send(redis, rollout, waiting, cache);
  }

  #send(redis: RedisClient, rollout: RolloutCalls, waiting: readonly Waiting[], cache: SeriesStateCache) {
    rollout.inFlight++;
    void this.#store(redis, waiting, cache).finally(() => {
      rollout.inFlight--;
      this.#sendWaiting(redis, rollout, cache);
      const name = waiting[0]?.call.rollout as string;
      if (rollout.inFlight === 0 && rollout.waiting.length === 0) this.#rollouts.delete(name);
    });
  }

  /** Stores the joined calls, answering each; batches applied before are answered and left out. */
  async #store(redis: RedisClient, waiting: readonly Waiting[], cache: SeriesStateCache) {
    let left = waiting;
    try {
      while (left.length > 0) {
        const result = await runJoinedCall(redis, joinCalls(left.map((w) => w.call)), cache);
        if (result.kind === 'applied') {
          left.forEach((w, i) => {
            w.resolve(result.members[i] as IngestResult);
          });
          return;
        }
        const seen = new Set(result.members);
        left.forEach((w, i) => {
          if (seen.has(i))
            w.resolve({ applied: false, accepted: 0, refusedByCap: 0, ignored: 0, retries: result.retries });
        });
        left = left.filter((_, i) => !seen.has(i));
      }
    } catch (error) {
      if (left.length === 1) {
        (left[0] as Waiting).reject(error);
        return;
      }
      // The script writes only once every check passed: a joined call that failed wrote nothing, or
      // all of it (a timeout; its digests then say so). Each request is stored alone, and answered as
      // it would have been had it come alone.
      await Promise.all(left.map((w) => runIngestCall(redis, w.call, cache).then(w.resolve, w.reject)));
    }
  }
}

/** Calls of one rollout that one script call can carry: the same settings, all but the time. */
function joinable(a: IngestCall, b: IngestCall): boolean {
  return (
    a.rollout === b.rollout &&
    a.freshAfterMs === b.freshAfterMs &&
    a.maxActiveSeries === b.maxActiveSeries &&
    a.activeSeriesMs === b.activeSeriesMs &&
    a.seriesStateSeconds === b.seriesStateSeconds &&
    a.markerMs === b.markerMs
  );
}

/**
 * One call carrying the batches of `calls` (of one rollout), in order: one key table, their target
 * groups one after another, their ops pointing into both, each batch a member with its digest.
 */
export function joinCalls(calls: readonly IngestCall[]): IngestCall {
  if (calls.length === 1) return calls[0] as IngestCall;
  const table = new KeyTable();
  const groups: GroupKey[][] = [];
  const ops: IngestOp[] = [];
  const members: CallMember[] = [];
  for (const call of calls) {
    const indexes = call.keys.map((key) => table.indexOf(key));
    const keyIndex = (index: number) => indexes[index - FIRST_TABLE_KEY] as number;
    const firstGroup = groups.length;
    for (const group of call.groups) {
      groups.push(group.map((key) => ({ keyIndex: keyIndex(key.keyIndex), ttlSeconds: key.ttlSeconds })));
    }
    members.push({ digest: call.digest, firstOp: ops.length });
    for (const op of call.ops) {
      const group = op.group + firstGroup;
      ops.push(op.kind === 'delta' ? { ...op, group } : { ...op, group, stateKey: keyIndex(op.stateKey) });
    }
  }
  const last = calls[calls.length - 1] as IngestCall;
  // The latest request's time: series are marked active, and digests kept, from it.
  return { ...last, digest: '', keys: table.keys, groups, ops, members };
}
