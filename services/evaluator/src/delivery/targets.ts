import type { ActionTarget } from '@rollout-guard/shared/spec';

// The spec's action targets (packages/shared/src/spec), plus the fields an *advance* needs on the
// flag-system formats: each API sets a percentage on an object that only the user can name.
// TODO(spec): these optional fields are not in the spec schema yet; until they are, an advance to
// these formats stops with a DeliveryConfigError that names the missing field.

type Of<F extends ActionTarget['format']> = Extract<ActionTarget, { format: F }>;

export type StandardTarget = Of<'standard'>;
export type SlackTarget = Of<'slack'>;
export type PagerDutyTarget = Of<'pagerduty'>;
export type AlertmanagerTarget = Of<'alertmanager'>;
export type UnleashTarget = Of<'unleash'> & {
  /** The id of the flexibleRollout strategy whose `rollout` parameter an advance sets. */
  readonly strategyId?: string;
};
export type LaunchDarklyTarget = Of<'launchdarkly'> & {
  /** Variation ids (`_id` in the flag's `variations`) served to each cohort by the default rule. */
  readonly variations?: { readonly treatment: string; readonly control: string };
};
export type FlagsmithTarget = Of<'flagsmith'> & {
  /** The multivariate option that serves the treatment, and its value (Flagsmith wants it restated). */
  readonly variant?: { readonly optionId: number; readonly value: string | number | boolean };
};

export type DeliveryTarget =
  | StandardTarget
  | SlackTarget
  | PagerDutyTarget
  | AlertmanagerTarget
  | UnleashTarget
  | LaunchDarklyTarget
  | FlagsmithTarget;
