import { resolveSecret as readSecret, type Secret } from '@rollout-guard/shared/spec';
import { DeliveryConfigError } from './delivery-error.ts';

/** Turns a credential of a target (`env:NAME` or a literal, as the spec parsed it) into its value. */
export type ResolveSecret = (secret: Secret, field: string) => string;

/**
 * Secrets are written `env:NAME` in specs so that the spec itself (stored, versioned, shown on the
 * dashboard) never holds one. They are read on every attempt, so a variable set or rotated while a
 * delivery waits for its next retry takes effect then.
 */
export function secretResolver(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolveSecret {
  return function resolveSecret(secret, field) {
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
