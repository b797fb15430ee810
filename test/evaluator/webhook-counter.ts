import { startReceiver, type TestReceiver } from '../../services/evaluator/src/delivery/test-receiver.ts';

/** A real HTTP receiver that counts deliveries per `webhook-id` and path, as a deduplicating receiver would. */
export interface WebhookCounter {
  readonly receiver: TestReceiver;
  /** Deliveries received per webhook id, by path (`/rollback`, `/advance` …). */
  countsByPath(path: string): Map<string, number>;
  /** Every id received more than once, with how often. */
  duplicates(): Array<[string, number]>;
  /** Where in the receiver's requests each receipt of an id (as `duplicates` names it) is, in order. */
  positionsOf(id: string): number[];
  close(): Promise<void>;
}

export async function startWebhookCounter(): Promise<WebhookCounter> {
  const receiver = await startReceiver((_request, response) => response.end('ok'));
  const idOf = (request: TestReceiver['requests'][number]) =>
    `${request.path} ${request.headers['webhook-id'] ?? '(none)'}`;
  const counts = (filter: (path: string) => boolean) => {
    const map = new Map<string, number>();
    for (const request of receiver.requests) {
      if (!filter(request.path)) continue;
      const id = idOf(request);
      map.set(id, (map.get(id) ?? 0) + 1);
    }
    return map;
  };
  return {
    receiver,
    countsByPath: (path) => counts((p) => p === path),
    duplicates: () => [...counts(() => true)].filter(([, n]) => n > 1),
    positionsOf: (id) =>
      receiver.requests.flatMap((request, position) => (idOf(request) === id ? [position] : [])),
    close: () => receiver.close(),
  };
}
