import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { DeliveryConfigError } from './delivery-error.ts';
import { signature, signingKey, standardWebhookHeaders } from './signing.ts';

describe('signature', () => {
  // The example of the Standard Webhooks / Svix documentation, recomputed independently with
  // `openssl dgst -sha256 -mac HMAC` over `id.timestamp.body`.
  it('matches the hand-computed vector', () => {
    expect(
      signature({
        id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        timestamp: new Date(1614265330 * 1000),
        body: '{"test": 2432232314}',
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      }),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('uses whole seconds of the timestamp', () => {
    const base = { id: 'dec_1', body: '{}', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
    expect(signature({ ...base, timestamp: new Date(1_700_000_000_999) })).toBe(
      signature({ ...base, timestamp: new Date(1_700_000_000_000) }),
    );
  });

  it.each([
    ['with the whsec_ prefix', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['without the prefix (read as base64, like the reference libraries)', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
  ])('verifies with the standardwebhooks package, secret %s', (_name, secret) => {
    const body = JSON.stringify({
      type: 'rollout.rollback',
      data: { decisionId: 'dec_7', note: 'ünïcode ✓' },
    });
    const headers = standardWebhookHeaders({ id: 'dec_7', timestamp: new Date(), body, secret });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('fails verification when the body was altered', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const headers = standardWebhookHeaders({ id: 'dec_7', timestamp: new Date(), body: '{"a":1}', secret });
    expect(() => new Webhook(secret).verify('{"a":2}', headers)).toThrow(/signature/i);
  });
});

describe('signingKey', () => {
  it('refuses an empty secret', () => {
    expect(() => signingKey('whsec_')).toThrow(DeliveryConfigError);
  });

  it.each(['whsec_not base64!', 'plain-text-secret', 'whsec_abc'])(
    'refuses %j without echoing it',
    (secret) => {
      expect(() => signingKey(secret, 'actions.rollback[0].secret')).toThrow(DeliveryConfigError);
      try {
        signingKey(secret, 'actions.rollback[0].secret');
      } catch (error) {
        expect((error as Error).message).toContain('actions.rollback[0].secret');
        expect((error as Error).message).not.toContain(secret);
      }
    },
  );
});

describe('standardWebhookHeaders', () => {
  it('sends id and timestamp but no signature when no secret is configured', () => {
    expect(
      standardWebhookHeaders({ id: 'dec_1', timestamp: new Date(1_700_000_000_000), body: '{}' }),
    ).toEqual({
      'webhook-id': 'dec_1',
      'webhook-timestamp': '1700000000',
    });
  });
});
