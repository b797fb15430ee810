import { createEgress, defaultEgressPolicy } from '@rollout-guard/shared/egress';
import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptDelivery } from '../attempt.ts';
import { secretResolver } from '../secret.ts';
import type { DeliveryTarget } from '../targets.ts';
import {
  advanceEvent,
  alertEvent,
  goEvent,
  oncallNoGoEvent,
  oncallRollbackEvent,
  rollbackEvent,
} from '../test-events.ts';
import { type CapturedRequest, startReceiver, type TestReceiver } from '../test-receiver.ts';

// Each format's request as it arrives at a real HTTP server standing in for the vendor: method,
// path, headers and body, asserted whole.

const env = {
  ROLLBACK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  PD_KEY: 'R0UT1NGKEY0123456789abcdefABCDEF',
  UNLEASH_TOKEN: '*:production.unleash-admin-token',
  LD_TOKEN: 'api-0f1e2d3c-launchdarkly',
  HOOK_AUTH: 'Bearer hook-token',
  SPEC_ENV_ALLOWED: 'ROLLBACK_SECRET,PD_KEY,UNLEASH_TOKEN,LD_TOKEN,HOOK_AUTH',
};
const resolveSecret = secretResolver(env);
// Added by Node's fetch itself, not by the format.
const transportHeaders = new Set([
  'host',
  'connection',
  'content-length',
  'accept',
  'accept-language',
  'accept-encoding',
  'sec-fetch-mode',
]);

let receiver: TestReceiver;
beforeAll(async () => {
  receiver = await startReceiver((_req, res) => {
    res.statusCode = 202;
    res.end('{"status":"success"}');
  });
});
afterAll(() => receiver.close());
// The receiver listens on loopback, which the default policy refuses.
const egress = createEgress({ ...defaultEgressPolicy, allowLoopback: true });
afterAll(() => egress.close());

async function capture(
  event: WebhookEvent,
  target: DeliveryTarget,
): Promise<CapturedRequest & { json: unknown }> {
  const before = receiver.requests.length;
  const record = await attemptDelivery(event, target, {
    resolveSecret,
    path: 'actions.x[0]',
    timeoutMs: 2_000,
    egress,
  });
  expect(record.outcome).toBe('delivered');
  expect(receiver.requests).toHaveLength(before + 1);
  const request = receiver.requests[before]!;
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(([name]) => !transportHeaders.has(name)),
  );
  return { ...request, headers, json: request.body === '' ? undefined : JSON.parse(request.body) };
}

const ua = 'rollout-guard-webhooks/1';
const evidence = rollbackEvent.data.evidenceUrl;
const reasonLine =
  'compliance-errors: 0.041 [0.036, 0.046], allowed max 0.03 (5120 treatment / 4980 control, window 1h)';

describe('standard', () => {
  it('POSTs the event as is, signed, with webhook-id = decision id', async () => {
    const sent = await capture(rollbackEvent, {
      format: 'standard',
      url: `${receiver.url}/hooks/rollback`,
      secret: { env: 'ROLLBACK_SECRET' },
      headers: { 'X-Team': 'support-platform', Authorization: 'env:HOOK_AUTH' },
    });
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/hooks/rollback');
    expect(sent.headers).toEqual({
      'content-type': 'application/json',
      'user-agent': ua,
      'x-team': 'support-platform',
      authorization: 'Bearer hook-token',
      'webhook-id': 'dec_01HZX3K9',
      'webhook-timestamp': expect.stringMatching(/^\d{10}$/),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
    });
    expect(sent.json).toEqual(rollbackEvent);
    expect(new Webhook(env.ROLLBACK_SECRET).verify(sent.body, sent.headers)).toEqual(rollbackEvent);
  });

  it("carries the rollout's owner and runbook, and each check's with its summary", async () => {
    const sent = await capture(oncallRollbackEvent, { format: 'standard', url: receiver.url, headers: {} });
    expect(sent.json).toEqual(oncallRollbackEvent);
    expect(JSON.parse(sent.body).data.reasons[0].runbook).toBe(
      'https://runbooks.internal/copilot#compliance',
    );
  });
});

describe('slack', () => {
  it('POSTs a readable message: check, value, limit, wave and the evidence link', async () => {
    const sent = await capture(rollbackEvent, {
      format: 'slack',
      url: `${receiver.url}/services/T000/B000/XXXX`,
    });
    expect([sent.method, sent.path]).toEqual(['POST', '/services/T000/B000/XXXX']);
    expect(sent.headers).toEqual({ 'content-type': 'application/json', 'user-agent': ua });
    expect(sent.json).toEqual({
      text: `Rolled back copilot-assist (rollout contact-center-copilot) in wave 2 (50%). Evidence: ${evidence}`,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*Rolled back copilot-assist (rollout contact-center-copilot) in wave 2 (50%)*',
          },
        },
        { type: 'section', text: { type: 'mrkdwn', text: `• ${reasonLine}` } },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: `<${evidence}|Evidence> · flag \`copilot-assist\` · spec v3 · decision dec_01HZX3K9`,
            },
          ],
        },
      ],
    });
  });

  it('escapes mrkdwn control characters and adds the summary', async () => {
    const event = { ...goEvent, data: { ...goEvent.data, summary: 'p99 <2s & csat > 4' } } as WebhookEvent;
    const sent = await capture(event, { format: 'slack', url: `${receiver.url}/services/T/B/X` });
    const blocks = (sent.json as { blocks: { text?: { text: string } }[] }).blocks;
    expect(blocks[1]!.text!.text).toBe('p99 &lt;2s &amp; csat &gt; 4');
  });

  it('links each runbook with a button, names the owners in the context and leads a check with its summary', async () => {
    const sent = await capture(oncallRollbackEvent, {
      format: 'slack',
      url: `${receiver.url}/services/T/B/X`,
    });
    const { blocks } = sent.json as { blocks: { type: string; text?: { text: string } }[] };
    expect(blocks.map((b) => b.type)).toEqual(['section', 'section', 'actions', 'context']);
    expect(blocks[1]!.text!.text).toBe(
      `• compliance-errors at 0.041 against max 0.03 in wave 2 (50%)\n${reasonLine}`,
    );
    expect(blocks[2]).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Runbook' },
          url: 'https://runbooks.internal/copilot',
          action_id: 'runbook-0',
        },
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Runbook: compliance-errors' },
          url: 'https://runbooks.internal/copilot#compliance',
          action_id: 'runbook-1',
        },
      ],
    });
    expect(blocks[3]).toMatchObject({
      elements: [{ type: 'mrkdwn', text: 'Owner: *support-platform-oncall*, *compliance-oncall*' }, {}],
    });
  });
});

// pagerduty: against a server enforcing PagerDuty's Events API v2 schema, in ../pagerduty-api.test.ts.

describe('alertmanager', () => {
  it("POSTs Alertmanager's version 4 webhook payload with one firing alert", async () => {
    const sent = await capture(alertEvent, {
      format: 'alertmanager',
      url: `${receiver.url}/alerts`,
      headers: {},
    });
    expect([sent.method, sent.path]).toEqual(['POST', '/alerts']);
    expect(sent.headers).toEqual({ 'content-type': 'application/json', 'user-agent': ua });
    const labels = {
      alertname: 'RolloutAlert',
      rollout: 'contact-center-copilot',
      flag: 'copilot-assist',
      severity: 'warning',
      decision_id: 'dec_01HZX6AL',
      wave: '2',
      percent: '50',
    };
    const annotations = {
      summary: 'Alert on contact-center-copilot in wave 2 (50%)',
      description: `Alert on contact-center-copilot in wave 2 (50%)\n${reasonLine}`,
      evidence,
    };
    expect(sent.json).toEqual({
      version: '4',
      groupKey: '{}:{rollout="contact-center-copilot"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'rollout-guard',
      groupLabels: { rollout: 'contact-center-copilot' },
      commonLabels: labels,
      commonAnnotations: annotations,
      externalURL: 'http://rollout-guard.internal:4318',
      alerts: [
        {
          status: 'firing',
          labels,
          annotations,
          startsAt: '2026-11-21T10:00:00.123Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: evidence,
          fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        },
      ],
    });
  });
});

describe('alertmanager, with owner and runbook', () => {
  it('labels the owner and annotates runbook_url and the summary', async () => {
    const sent = await capture(oncallRollbackEvent, {
      format: 'alertmanager',
      url: receiver.url,
      headers: {},
    });
    const [alert] = (sent.json as { alerts: { labels: object; annotations: object }[] }).alerts;
    expect(alert?.labels).toMatchObject({ owner: 'compliance-oncall' });
    expect(alert?.annotations).toMatchObject({
      summary: 'compliance-errors at 0.041 against max 0.03 in wave 2 (50%)',
      runbook_url: 'https://runbooks.internal/copilot#compliance',
    });
  });

  it("falls back to the rollout's owner and runbook for a verdict", async () => {
    const sent = await capture(oncallNoGoEvent, { format: 'alertmanager', url: receiver.url, headers: {} });
    const [alert] = (sent.json as { alerts: { labels: object; annotations: object }[] }).alerts;
    expect(alert?.labels).toMatchObject({ owner: 'support-platform-oncall' });
    expect(alert?.annotations).toMatchObject({
      summary: 'NO-GO for contact-center-copilot at the end of wave 2 (50%)',
      runbook_url: 'https://runbooks.internal/copilot',
    });
  });
});

// unleash: against a real Unleash server in test/flags/unleash.test.ts.

describe('launchdarkly', () => {
  const target = (url: string) =>
    ({
      format: 'launchdarkly',
      url,
      token: { env: 'LD_TOKEN' },
      project: 'support',
      environment: 'production',
      variations: { treatment: 'var-on-86208e6e', control: 'var-off-7b32de80' },
    }) as const;
  const headers = {
    authorization: env.LD_TOKEN,
    'content-type': 'application/json; domain-model=launchdarkly.semanticpatch',
    'user-agent': ua,
  };

  it('turns the flag off with a semantic patch on rollback', async () => {
    const sent = await capture(rollbackEvent, target(receiver.url));
    expect([sent.method, sent.path]).toEqual(['PATCH', '/api/v2/flags/support/copilot-assist']);
    expect(sent.headers).toEqual(headers);
    expect(sent.json).toEqual({
      environmentKey: 'production',
      comment:
        'rollout-guard: Rolled back copilot-assist (rollout contact-center-copilot) in wave 2 (50%) (decision dec_01HZX3K9)',
      instructions: [{ kind: 'turnFlagOff' }],
    });
  });

  it("sets the default rule's rollout weights, in thousandths of a percent, on advance", async () => {
    const halfway = {
      ...advanceEvent,
      data: { ...advanceEvent.data, wave: { index: 2, percent: 12.5 } },
    } as WebhookEvent;
    const sent = await capture(halfway, target(receiver.url));
    expect([sent.method, sent.path]).toEqual(['PATCH', '/api/v2/flags/support/copilot-assist']);
    expect(sent.headers).toEqual(headers);
    expect(sent.json).toEqual({
      environmentKey: 'production',
      comment:
        'rollout-guard: contact-center-copilot advanced: copilot-assist now at 12.5% (wave 2) (decision dec_01HZX5AD)',
      instructions: [
        {
          kind: 'updateFallthroughVariationOrRollout',
          rolloutWeights: { 'var-on-86208e6e': 12_500, 'var-off-7b32de80': 87_500 },
        },
      ],
    });
  });
});
