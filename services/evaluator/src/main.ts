import { runService } from '@rollout-guard/shared/runtime';
import { loadEnv } from './env.ts';
import { startEvaluator } from './server.ts';

await runService({ service: 'evaluator', loadEnv: () => loadEnv(), start: startEvaluator });
