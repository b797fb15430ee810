/**
 * The shapes of the API answers the CLI reads (the OpenAPI document at /api/v1/openapi.json has them
 * all). Written here so that the CLI does not depend on the collector; `api-types.check.ts` holds each
 * to the collector's own type at typecheck.
 */

export interface CheckView {
  name: string;
  role: 'guardrail' | 'criterion';
  metric: string;
  compare: string;
  allowed: { min?: number | string; max?: number | string };
  limitSource: string;
  state: string;
  value: number | null;
  interval: [number | null, number | null] | null;
  samples: { treatment: number; reference: number };
  window: string;
  consecutive?: { count: number; required: number };
  judgedBy?: 'interval' | 'value';
  explanation: string | null;
  /** Who is paged for this check: its own owner, else the rollout's. */
  owner: string | null;
  /** The check's runbook URL, else the rollout's. */
  runbook: string | null;
}

export interface RolloutSummary {
  name: string;
  flag: string;
  phase: string;
  wave: { index: number; percent: number | null; of: number };
  specVersion: number;
  updatedAt: number;
}

export interface RolloutView extends RolloutSummary {
  latestVersion: number;
  approval: 'manual' | 'auto';
  waveStartedAt: number | null;
  checkpointAt: number | null;
  paused: { from: string; at: number; cause: string } | null;
  checks: CheckView[];
  /** Who is paged for this rollout (the spec's `owner`). */
  owner: string | null;
  /** The rollout's runbook URL (the spec's `runbook`). */
  runbook: string | null;
}

export interface CheckEvidence {
  check: string;
  role: string;
  compare: string;
  reference: string | null;
  allowed: { min?: number | string; max?: number | string };
  limitSource: string;
  rule: string;
  judgedBy?: 'interval' | 'value';
  confidence: number;
  minSamples: number;
  windowSpec: string;
  window: { from: number; to: number; label: string } | null;
  cohorts: {
    treatment: { samples: number; value: number | null; interval?: [number, number] } | null;
    reference: { samples: number; value: number | null } | null;
  };
  difference: {
    absolute?: { estimate: number; interval: [number, number]; noInterval?: string };
    relative?: { estimate: number; interval: [number, number]; noInterval?: string };
  } | null;
  outcome: string;
  explanation: string;
  /** A shadow check: judged and shown, never acting, not counted in go/no-go. */
  shadow?: true;
  /** The check's owner and runbook (its own, else the rollout's) when the decision was taken. */
  owner?: string;
  runbook?: string;
  /** The spec's `summary` template, rendered with this evidence when the decision was taken. */
  summary?: string;
}

export interface Decision {
  id: string;
  kind: string;
  outcome: string;
  rollout: string;
  specVersion: number;
  wave: { index: number; percent: number } | null;
  actor: { type: 'operator'; name: string } | { type: 'system' };
  reason: string;
  at: number;
  phase: { from: string; to: string };
  checks: CheckEvidence[];
  /** Taken in shadow mode: recorded as for real, but nothing acted. */
  shadow: boolean;
  /** The rollout's owner and runbook when it was taken, if the spec declared them. */
  owner?: string;
  runbook?: string;
}

export interface Delivery {
  id: string;
  rollout: string;
  decisionId: string;
  webhook: string;
  format: string;
  destination: string;
  status: string;
  attempts: number;
  createdAt: number;
  lastAttemptAt: number | null;
  redeliveries: number;
}

/** One entry of the audit log (`GET /api/v1/audit`, `…/rollouts/{name}/audit`). */
export interface AuditEntry {
  id: string;
  rollout: string;
  at: number;
  time: string;
  kind: string;
  action: string;
  actor: string;
  reason: string | null;
  summary: string;
  specVersion: number;
  rev: number;
  from: { phase: string; wave: number } | null;
  to: { phase: string; wave: number } | null;
  decisions: string[];
  deliveries: string[];
  event: Record<string, unknown>;
}

export interface AuditPage {
  entries: AuditEntry[];
  next: string | null;
  latest: string | null;
}

/** The answer to an action (`POST /api/v1/rollouts/{name}/{action}`). */
export interface ActionResponse {
  name: string;
  action: string;
  actor: string;
  phase: string;
  wave: number;
  decisions: Array<{ id: string; kind: string; outcome: string }>;
}

/** `GET /api/v1/rollouts/{name}/versions`. */
export interface VersionList {
  versions: Array<{
    version: number;
    createdAt: number;
    actor: string;
    contentType: string;
    current: boolean;
  }>;
}

/** `GET /api/v1/rollouts/{name}/diff?from=…&to=…`. */
export interface VersionDiff {
  changes: Array<{ path: string; kind: string; before?: unknown; after?: unknown }>;
  patch: string;
}

/** The answer to `PUT /api/v1/rollouts/{name}`. */
export interface PutResponse {
  name: string;
  version: number;
  created: boolean;
  unchanged: boolean;
  phase: string;
  specVersion: number;
  appliedToRunning: boolean;
  changed: string[];
}

/** The answer to archiving (`POST …/archive`) or deleting (`DELETE`) a rollout. */
export interface RemovalResponse {
  name: string;
  action: 'archive' | 'delete';
  actor: string;
  keysRemoved: number;
}

/** The answer to `POST /api/v1/deliveries/{id}/redeliver`. */
export interface RedeliverResponse {
  id: string;
  status: string;
  redeliveries: number;
}
