import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { newWebhookSecret, type ReceivedWebhook, type Receiver, startReceiver } from './receiver.ts';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
});

function signed(secret: string, id: string, body: string) {
  const at = new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

describe('the demo webhook receiver', () => {
  it('takes a signed delivery once (retries with the same webhook-id are acknowledged and dropped)', async () => {
    const secret = newWebhookSecret();
    const got: ReceivedWebhook[] = [];
    receiver = await startReceiver({ secret, onWebhook: (w) => got.push(w) });
    const body = JSON.stringify({
      type: 'rollout.rollback',
      timestamp: new Date().toISOString(),
      data: { rollout: 'r' },
    });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${receiver.url}/rollback`, {
        method: 'POST',
        headers: signed(secret, 'dec_1', body),
        body,
      });
      expect(res.status).toBe(204);
    }
    expect(got.map((w) => [w.path, w.id, w.type])).toEqual([['/rollback', 'dec_1', 'rollout.rollback']]);
    expect(got[0]?.body.data).toEqual({ rollout: 'r' });
  });

  it.each([
    ['another secret', (_secret: string, body: string) => signed(newWebhookSecret(), 'dec_2', body)],
    ['a tampered body', (secret: string, body: string) => signed(secret, 'dec_2', body.replace('r', 'x'))],
    ['no signature', () => ({ 'content-type': 'application/json' })],
  ])('answers 401 to %s and hands nothing on', async (_, headers) => {
    const secret = newWebhookSecret();
    const got: ReceivedWebhook[] = [];
    receiver = await startReceiver({ secret, onWebhook: (w) => got.push(w) });
    const body = JSON.stringify({ type: 'rollout.rollback', timestamp: '', data: { rollout: 'r' } });
    const res = await fetch(`${receiver.url}/rollback`, {
      method: 'POST',
      headers: headers(secret, body),
      body,
    });
    expect(res.status).toBe(401);
    expect(got).toEqual([]);
    expect(receiver.rejected).toBe(1);
  });
});
