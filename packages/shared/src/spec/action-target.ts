import { z } from 'zod';
import { headersInput, signingSecretInput, tokenInput } from './secret.ts';

export const TARGET_FORMATS = [
  'standard',
  'slack',
  'pagerduty',
  'alertmanager',
  'alertmanager-v2',
  'unleash',
  'launchdarkly',
  'flagsmith',
] as const;
export type TargetFormat = (typeof TARGET_FORMATS)[number];

const httpUrl = (what: string) =>
  z.url({
    protocol: /^https?$/,
    error: `expected the http(s) URL of ${what}, like "https://example.com/hook"`,
  });

const headers = headersInput.optional().meta({
  description:
    'Extra HTTP headers sent with every delivery; a value "env:NAME" is read from the evaluator\'s environment.',
});

export const standardTargetInput = z
  .strictObject({
    format: z.literal('standard').default('standard'),
    url: httpUrl('the receiver'),
    secret: signingSecretInput.optional().meta({
      description: 'Standard Webhooks secret: deliveries carry webhook-signature. Omit to send unsigned.',
    }),
    headers,
  })
  .meta({ description: 'Standard Webhooks delivery (signed JSON) to any HTTP endpoint.' });

export const slackTargetInput = z
  .strictObject({
    format: z.literal('slack'),
    url: httpUrl('a Slack incoming webhook').meta({
      description:
        'Slack incoming-webhook URL (https://hooks.slack.com/services/…); it is itself the secret.',
    }),
  })
  .meta({ description: 'A Slack message through an incoming webhook.' });

export const DEFAULT_PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';

export const pagerdutyTargetInput = z
  .strictObject({
    format: z.literal('pagerduty'),
    routingKey: tokenInput.meta({
      description: 'Events API v2 integration key of the PagerDuty service: "env:NAME" or the key.',
    }),
    url: httpUrl('the PagerDuty Events API')
      .optional()
      .meta({
        description: `Events API v2 endpoint. Default: ${DEFAULT_PAGERDUTY_URL} (EU: events.eu.pagerduty.com).`,
      }),
  })
  .meta({
    description:
      'PagerDuty Events API v2: a trigger per check (dedup_key rollout-guard/<rollout>/<check>), resolved by rollout.resolved.',
  });

export const alertmanagerTargetInput = z
  .strictObject({
    format: z.literal('alertmanager'),
    url: httpUrl('the receiver of Alertmanager webhook payloads'),
    headers,
  })
  .meta({ description: "A POST of Alertmanager's webhook payload (version 4) to a receiver that reads it." });

export const alertmanagerV2TargetInput = z
  .strictObject({
    format: z.literal('alertmanager-v2'),
    url: httpUrl('an Alertmanager').meta({
      description:
        'Base URL of Alertmanager (its API v2 lives under /api/v2), like "http://alertmanager:9093".',
    }),
    headers,
  })
  .meta({
    description:
      "Posts alerts into Alertmanager's API v2, so its routes, silences and inhibitions apply; rollout.resolved ends them.",
  });

export const unleashTargetInput = z
  .strictObject({
    format: z.literal('unleash'),
    url: httpUrl('the Unleash server').meta({
      description: 'Base URL of Unleash (the Admin API lives under /api/admin).',
    }),
    token: tokenInput.meta({ description: 'Admin or personal access token with update rights on the flag.' }),
    project: z.string({ error: 'expected the Unleash project id, like "default"' }).min(1),
    environment: z.string({ error: 'expected the Unleash environment, like "production"' }).min(1),
    strategyId: z
      .string({ error: "expected the id of the flag's flexibleRollout strategy in this environment" })
      .min(1)
      .optional()
      .meta({
        description:
          "Id of the flexibleRollout strategy an advance moves; only when the environment has several (otherwise the flag's own is found, or one is created).",
      }),
  })
  .meta({
    description:
      'Turns the flag off (rollback) or sets the flexibleRollout percentage (advance) through the Unleash Admin API.',
  });

export const DEFAULT_LAUNCHDARKLY_URL = 'https://app.launchdarkly.com';

export const launchdarklyTargetInput = z
  .strictObject({
    format: z.literal('launchdarkly'),
    token: tokenInput.meta({ description: 'LaunchDarkly API access token with writer rights on the flag.' }),
    project: z.string({ error: 'expected the LaunchDarkly project key, like "default"' }).min(1),
    environment: z.string({ error: 'expected the LaunchDarkly environment key, like "production"' }).min(1),
    url: httpUrl('the LaunchDarkly API')
      .optional()
      .meta({ description: `API base. Default: ${DEFAULT_LAUNCHDARKLY_URL} (federal/EU instances differ).` }),
    variations: z
      .strictObject(
        {
          treatment: z.string({ error: 'expected the variation id (_id) served to the treatment' }).min(1),
          control: z.string({ error: 'expected the variation id (_id) served to the control' }).min(1),
        },
        { error: 'expected { treatment: "<variation _id>", control: "<variation _id>" }' },
      )
      .optional()
      .meta({
        description:
          "Variation ids (_id in the flag's variations) of treatment and control; needed for advance only.",
      }),
  })
  .meta({
    description: 'Turns the flag off or sets its rollout weights with a semantic patch of the REST API v2.',
  });

export const DEFAULT_FLAGSMITH_URL = 'https://api.flagsmith.com/api/v1';

export const flagsmithTargetInput = z
  .strictObject({
    format: z.literal('flagsmith'),
    url: httpUrl('the Flagsmith API')
      .optional()
      .meta({
        description: `Admin API base. Default: ${DEFAULT_FLAGSMITH_URL}; self-hosted: https://host/api/v1.`,
      }),
    token: tokenInput.meta({ description: 'Organisation API key (sent as "Authorization: Api-Key …").' }),
    environment: z.string({ error: 'expected the Flagsmith environment key' }).min(1).meta({
      description: "The environment's API key (its client-side key) whose feature state is changed.",
    }),
    variant: z
      .strictObject(
        {
          optionId: z
            .number({ error: 'expected the multivariate option id (a number)' })
            .int()
            .meta({ description: "The id of the feature's multivariate option that serves the treatment." }),
        },
        { error: 'expected { optionId: 123 }, the multivariate option serving the treatment' },
      )
      .optional()
      .meta({
        description:
          "The multivariate option serving the treatment; needed for advance only. The value it serves is set in Flagsmith: the feature state API cannot write an option's value.",
      }),
  })
  .meta({
    description:
      "Disables the environment's feature state (rollback) or sets its treatment option's percentage through the Admin API.",
  });

export const actionTargetInput = z
  .discriminatedUnion(
    'format',
    [
      standardTargetInput,
      slackTargetInput,
      pagerdutyTargetInput,
      alertmanagerTargetInput,
      alertmanagerV2TargetInput,
      unleashTargetInput,
      launchdarklyTargetInput,
      flagsmithTargetInput,
    ],
    { error: `expected format to be one of ${TARGET_FORMATS.join(', ')} (default standard)` },
  )
  .meta({ description: 'Where an action is delivered; format says how (default standard).' });

export type ActionTargetInput = z.input<typeof actionTargetInput>;

const targetList = z
  .array(actionTargetInput, { error: 'expected a list of targets, like [{ url: "https://…" }]' })
  .default([]);

export const ACTIONS = ['rollback', 'verdict', 'advance', 'alert'] as const;
export type ActionName = (typeof ACTIONS)[number];

export const actionsInput = z
  .strictObject({
    rollback: targetList.meta({
      description: 'Called the moment a guardrail with onBreach: rollback is breached.',
    }),
    verdict: targetList.meta({
      description: "Called with every checkpoint's go / no-go / inconclusive verdict.",
    }),
    advance: targetList.meta({ description: "Called when the next wave starts, with the wave's percent." }),
    alert: targetList.meta({
      description:
        'Called for rollbacks, pauses, onBreach/noData alerts, deliveries that gave up, and rollout.resolved when what they raised is over.',
    }),
  })
  .default({ rollback: [], verdict: [], advance: [], alert: [] })
  .meta({ description: 'Who is called for each kind of decision.' });
