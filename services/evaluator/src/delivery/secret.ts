import {
  type EnvAllowlist,
  envAllowed,
  envRefusal,
  parseEnvAllowlist,
  resolveSecret as readSecret,
  type Secret,
} from '@rollout-guard/shared/spec';
import { DeliveryConfigError } from './delivery-error.ts';

/** Turns a credential of a target (`env:NAME` or a literal, as the spec parsed it) into its value. */
export type ResolveSecret = (secret: Secret, field: string) => string;

/**
 * Secrets are written `env:NAME` in specs so that the spec itself (stored, versioned, shown on the
 * dashboard) never holds one. They are read on every attempt, so a variable set or rotated while a
 * delivery waits for its next retry takes effect then. Only variables in `allowlist`
 * (SPEC_ENV_ALLOWED) are read: a spec stored before the allowlist, or by a collector configured
 * otherwise, still cannot send the evaluator's own settings anywhere.
 */
export function secretResolver(
  env: Readonly<Record<string, string | undefined>> = process.env,
  allowlist: EnvAllowlist = parseEnvAllowlist(env.SPEC_ENV_ALLOWED ?? ''),
): ResolveSecret {
  return function resolveSecret(secret, field) {
    if ('env' in secret && !envAllowed(allowlist, secret.env)) {
      throw new DeliveryConfigError(`${field}: ${envRefusal(secret.env)}`);
    }
    try {
      return readSecret(secret, env);
    } catch {
      const name = 'env' in secret ? secret.env : '?';
      throw new DeliveryConfigError(
        `${field}: environment variable ${name} is not set in the evaluator's environment; set it, then redeliver`,
      );
    }
  };
}
