import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import type { BuildContext, BuiltDelivery } from '../request.ts';
import type { DeliveryTarget } from '../targets.ts';
import { buildAlertmanager } from './alertmanager.ts';
import { buildAlertmanagerV2 } from './alertmanager-v2.ts';
import { buildFlagsmith } from './flagsmith.ts';
import { buildLaunchDarkly } from './launchdarkly.ts';
import { buildPagerDuty } from './pagerduty.ts';
import { buildSlack } from './slack.ts';
import { buildStandard } from './standard.ts';
import { buildUnleash } from './unleash.ts';

/**
 * The request `target`'s system documents for `event`, or why this format has nothing to send.
 * Throws DeliveryConfigError when the target cannot be served as configured.
 */
export function buildRequest(event: WebhookEvent, target: DeliveryTarget, ctx: BuildContext): BuiltDelivery {
  switch (target.format) {
    case 'standard':
      return buildStandard(event, target, ctx);
    case 'slack':
      return buildSlack(event, target, ctx);
    case 'pagerduty':
      return buildPagerDuty(event, target, ctx);
    case 'alertmanager':
      return buildAlertmanager(event, target, ctx);
    case 'alertmanager-v2':
      return buildAlertmanagerV2(event, target, ctx);
    case 'unleash':
      return buildUnleash(event, target, ctx);
    case 'launchdarkly':
      return buildLaunchDarkly(event, target, ctx);
    case 'flagsmith':
      return buildFlagsmith(event, target, ctx);
  }
}
