import type { IngestCall } from './ingest-call.ts';

/*
 * A rollout's part of a large batch as several ingest calls of a bounded size. Redis runs one script
 * at a time: a call for 8,000 series holds it for 15–20 ms, every other sender's call waits behind it,
 * and under load such calls neared the command timeout. Calls of a bounded size interleave with the
 * other senders' calls and each stays far from the timeout.
 *
 * The ops are cut in runs of about equal size, in their order, never between two ops of one series
 * that follow each other (a series' points, which come together, each see the one before in one call).
 * A sender's retry of the same body is cut the same way, each part under the same digest, so a part
 * applied before is applied once. Should a series' ops come apart in the body and land in two parts,
 * the counts stay exact: a cumulative series' state is compared before each call writes it.
 */

/**
 * `call` as calls of about `maxOps` ops each, each with its own digest (`<digest>:<part>/<parts>`);
 * `call` itself when it holds no more than `maxOps` ops.
 */
export function splitCall(call: IngestCall, maxOps: number): IngestCall[] {
  const ops = call.ops;
  const count = Math.ceil(ops.length / Math.max(1, maxOps));
  if (count <= 1) return [call];
  const size = Math.ceil(ops.length / count);
  const calls: IngestCall[] = [];
  let start = 0;
  while (start < ops.length) {
    let end = Math.min(start + size, ops.length);
    while (end < ops.length && ops[end]?.seriesId === ops[end - 1]?.seriesId) end++;
    const digest = call.digest === '' ? '' : `${call.digest}:${calls.length + 1}/${count}`;
    calls.push({ ...call, digest, ops: ops.slice(start, end) });
    start = end;
  }
  return calls;
}
