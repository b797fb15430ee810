/*
 * Compile-time only (nothing imports this file; `pnpm typecheck` checks it): every field the CLI reads
 * from an API answer (`api-types.ts`, written by hand so that the CLI does not depend on the collector)
 * is in the answer as the collector types it, with a type the CLI's accepts. A field renamed, removed
 * or retyped on the server fails the typecheck here, naming the line, instead of leaving the CLI
 * reading `undefined`.
 */
import type { CheckEvidence, Decision } from '@rollout-guard/shared/decision';
import type { AuditEntryView, AuditPage } from '../../../services/collector/src/api/api-schemas.ts';
import type { DeliveryList, RedeliverResponse } from '../../../services/collector/src/api/deliveries.ts';
import type { VersionDiff } from '../../../services/collector/src/api/diff-versions.ts';
import type { PutRolloutResponse } from '../../../services/collector/src/api/put-rollout.ts';
import type { RemovalResponse } from '../../../services/collector/src/api/remove-rollout.ts';
import type { ActionResponse } from '../../../services/collector/src/api/rollout-actions.ts';
import type {
  CheckView,
  RolloutSummary,
  RolloutView,
} from '../../../services/collector/src/api/rollout-view.ts';
import type { VersionList } from '../../../services/collector/src/api/versions.ts';
import type * as Cli from './api-types.ts';

/**
 * As the answer's JSON is parsed: nothing readonly, and an optional field either there with a value or
 * not there (zod types `.optional()` as `?: T | undefined`; JSON has no undefined).
 */
type Parsed<T> = T extends readonly unknown[]
  ? { -readonly [K in keyof T]: Parsed<T[K]> }
  : T extends object
    ? { -readonly [K in Exclude<keyof T, OptionalKeys<T>>]: Parsed<T[K]> } & {
        -readonly [K in OptionalKeys<T>]?: Parsed<Exclude<T[K], undefined>>;
      }
    : T;
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/** True when an answer typed `Sent` gives every field of `Read` (the CLI reads no more than is sent). */
type Gives<Sent, Read> = [Parsed<Sent>] extends [Read] ? true : false;
type Holds<T extends true> = T;

export type ApiTypesHold = [
  Holds<Gives<CheckView, Cli.CheckView>>,
  Holds<Gives<RolloutSummary, Cli.RolloutSummary>>,
  Holds<Gives<RolloutView, Cli.RolloutView>>,
  Holds<Gives<CheckEvidence, Cli.CheckEvidence>>,
  Holds<Gives<Decision, Cli.Decision>>,
  Holds<Gives<DeliveryList['deliveries'][number], Cli.Delivery>>,
  Holds<Gives<AuditEntryView, Cli.AuditEntry>>,
  Holds<Gives<AuditPage, Cli.AuditPage>>,
  Holds<Gives<ActionResponse, Cli.ActionResponse>>,
  Holds<Gives<VersionList, Cli.VersionList>>,
  Holds<Gives<VersionDiff, Cli.VersionDiff>>,
  Holds<Gives<PutRolloutResponse, Cli.PutResponse>>,
  Holds<Gives<RemovalResponse, Cli.RemovalResponse>>,
  Holds<Gives<RedeliverResponse, Cli.RedeliverResponse>>,
];
