export { type EgressEnv, egressEnv, egressPolicyFromEnv } from './egress-env.ts';
export { host, LOG_LEVELS, logLevel, port, positiveInteger, redisUrl } from './env-fields.ts';
export { EnvError, parseEnv } from './parse-env.ts';
export { type RetentionEnv, retentionEnv, retentionPolicyFromEnv } from './retention-env.ts';
