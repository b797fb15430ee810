import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A webhook that arrived with a valid Standard Webhooks signature. */
export interface ReceivedWebhook {
  /** The path it was sent to (`/rollback`, `/verdict`, …). */
  readonly path: string;
  /** `webhook-id`: the decision id, the same on every retry. */
  readonly id: string;
  readonly type: string;
  readonly body: WebhookBody;
  readonly receivedAt: number;
}

export interface WebhookBody {
  readonly type: string;
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
}

export interface Receiver {
  readonly url: string;
  readonly port: number;
  /** Deliveries that failed verification (a wrong secret or a tampered body), answered 401. */
  readonly rejected: number;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  secret: string;
  /** Called once per webhook id (retries of a delivery we already took are acknowledged and dropped). */
  onWebhook: (webhook: ReceivedWebhook) => void;
  port?: number;
}

/** A fresh Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/**
 * The flag system's side of a rollback, in miniature: a loopback HTTP server that verifies each
 * delivery's signature with the `standardwebhooks` package, deduplicates on `webhook-id`, and hands
 * the body on. It answers 204 to a delivery it took, 401 to a bad signature (the sender would retry).
 */
export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const verifier = new Webhook(options.secret);
  const seen = new Set<string>();
  let rejected = 0;
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      const text = await readText(req);
      let body: WebhookBody;
      try {
        body = verifier.verify(text, headerRecord(req)) as WebhookBody;
      } catch {
        rejected++;
        res.writeHead(401, { 'content-type': 'text/plain' }).end('signature does not verify\n');
        return;
      }
      res.writeHead(204).end();
      const id = req.headers['webhook-id'];
      if (typeof id !== 'string' || seen.has(id)) return;
      seen.add(id);
      options.onWebhook({ path: req.url ?? '/', id, type: body.type, body, receivedAt: Date.now() });
    })().catch(() => {
      if (!res.headersSent) res.writeHead(400).end();
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get rejected() {
      return rejected;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
