import { runService } from '@rollout-guard/shared/runtime';
import { loadEnv } from './env.ts';
import { startCollector } from './server.ts';

await runService({ service: 'collector', loadEnv: () => loadEnv(), start: startCollector });
