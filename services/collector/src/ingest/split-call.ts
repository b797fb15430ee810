import type { IngestCall, IngestOp } from './ingest-call.ts';

/*
 * A rollout's part of a large batch as several ingest calls of a bounded size. Redis runs one script
 * at a time: a call for 8,000 series holds it for 15–20 ms, every other sender's call waits behind it,
 * and under load such calls neared the command timeout. Calls of a bounded size interleave with the
 * other senders' calls and each stays far from the timeout.
 *
 * A series goes to the part its id hashes to, whatever else the batch holds: every point of a series
 * is in one part (each sees the one before), and a sender's retry of the same body puts each series in
 * the same part again, under the same digest, so a part applied before is applied once.
 */

/**
 * `call` as calls of about `maxOps` ops each (the series spread by their id), each with its own digest
 * (`<digest>:<part>/<parts>`); `call` itself when it holds no more than `maxOps` ops. Empty parts are left out.
 */
export function splitCall(call: IngestCall, maxOps: number): IngestCall[] {
  const count = Math.ceil(call.ops.length / Math.max(1, maxOps));
  if (count <= 1) return [call];
  const parts: IngestOp[][] = Array.from({ length: count }, () => []);
  for (const op of call.ops) (parts[partOf(op.seriesId, count)] as IngestOp[]).push(op);
  const calls: IngestCall[] = [];
  parts.forEach((ops, i) => {
    if (ops.length === 0) return;
    const digest = call.digest === '' ? '' : `${call.digest}:${i + 1}/${count}`;
    calls.push({ ...call, digest, ops });
  });
  return calls;
}

/** The part (0 … count - 1) a series belongs to: FNV-1a of its id, whatever the id's alphabet. */
export function partOf(seriesId: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < seriesId.length; i++) {
    hash ^= seriesId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}
