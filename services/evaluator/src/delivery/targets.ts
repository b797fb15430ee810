import type { ActionTarget } from '@rollout-guard/shared/spec';

// The spec's action targets (packages/shared/src/spec). The flag-system formats carry optional
// fields that only an *advance* needs (each API sets a percentage on an object only the user can
// name); an advance without them stops with a DeliveryConfigError that names the missing field.

type Of<F extends ActionTarget['format']> = Extract<ActionTarget, { format: F }>;

export type StandardTarget = Of<'standard'>;
export type SlackTarget = Of<'slack'>;
export type PagerDutyTarget = Of<'pagerduty'>;
export type AlertmanagerTarget = Of<'alertmanager'>;
export type AlertmanagerV2Target = Of<'alertmanager-v2'>;
export type UnleashTarget = Of<'unleash'>;
export type LaunchDarklyTarget = Of<'launchdarkly'>;
export type FlagsmithTarget = Of<'flagsmith'>;

export type DeliveryTarget =
  | StandardTarget
  | SlackTarget
  | PagerDutyTarget
  | AlertmanagerTarget
  | AlertmanagerV2Target
  | UnleashTarget
  | LaunchDarklyTarget
  | FlagsmithTarget;
