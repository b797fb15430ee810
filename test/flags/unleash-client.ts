import { once } from 'node:events';
import { InMemStorageProvider, Unleash } from 'unleash-client';
import type { TestUnleash } from './unleash-kit.ts';

/**
 * The share of `users` user ids for which Unleash's own Node SDK, freshly synchronised with the server,
 * finds `flag` enabled: what an application would serve right now.
 */
export async function enabledShare(server: TestUnleash, flag: string, users = 4_000): Promise<number> {
  const client = new Unleash({
    appName: 'rollout-guard-tests',
    url: `${server.url}/api/`,
    customHeaders: { Authorization: server.clientToken },
    environment: server.environment,
    disableMetrics: true,
    // One fetch at start; 0 would disable fetching altogether.
    refreshInterval: 60_000,
    storageProvider: new InMemStorageProvider(),
    skipInstanceCountWarning: true,
    disableAutoStart: true,
  });
  const failed = new Promise<never>((_resolve, reject) => client.once('error', reject));
  try {
    const synchronized = once(client, 'synchronized');
    void client.start();
    await Promise.race([synchronized, failed]);
    let enabled = 0;
    for (let user = 0; user < users; user++) {
      if (client.isEnabled(flag, { userId: `user-${user}` })) enabled++;
    }
    return enabled / users;
  } finally {
    client.destroy();
  }
}
