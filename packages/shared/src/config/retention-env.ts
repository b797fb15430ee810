import { z } from 'zod';
import { parseDuration } from '../spec/duration.ts';
import type { RetentionPolicy } from '../store/retention.ts';
import { positiveInteger } from './env-fields.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function retention(defaultText: string, minimumMs: number, minimumText: string) {
  return z
    .string()
    .default(defaultText)
    .refine((text) => (parseDuration(text)?.ms ?? 0) >= minimumMs, {
      error: (issue) =>
        `"${String(issue.input)}" is not a retention of at least ${minimumText}; expected a duration like "${defaultText}"`,
    });
}

/**
 * How long a rollout's record is kept, read by both services: the evaluator trims to it on its
 * sweep, the collector gives a deleted rollout's audit log `AUDIT_LOG_RETENTION` to live.
 */
export const retentionEnv = {
  /** Audit entries (and a deleted rollout's whole audit log) are kept this long: a year of incident history by default. */
  AUDIT_LOG_RETENTION: retention('365d', DAY, 'a day'),
  /** Decisions with their evidence are kept this long; at least 2 days, past a webhook's 24 h of retries. */
  DECISION_RETENTION: retention('90d', 2 * DAY, '2 days'),
  /** Spec versions kept per rollout: the newest this many, and always the current one and the one a running rollout judges by. */
  SPEC_VERSIONS_KEPT: positiveInteger(100, 'versions'),
  /** A series silent this long loses its cumulative state (its next sample starts afresh): outlives a weekend's silence. */
  SERIES_STATE_RETENTION: retention('8d', HOUR, 'an hour'),
};

export interface RetentionEnv {
  AUDIT_LOG_RETENTION: string;
  DECISION_RETENTION: string;
  SPEC_VERSIONS_KEPT: number;
  SERIES_STATE_RETENTION: string;
}

export function retentionPolicyFromEnv(env: RetentionEnv): RetentionPolicy {
  const ms = (text: string) => parseDuration(text)?.ms ?? 0;
  return {
    auditMs: ms(env.AUDIT_LOG_RETENTION),
    decisionsMs: ms(env.DECISION_RETENTION),
    specVersions: env.SPEC_VERSIONS_KEPT,
    seriesStateMs: ms(env.SERIES_STATE_RETENTION),
  };
}
