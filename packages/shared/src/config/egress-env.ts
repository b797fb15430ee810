import { z } from 'zod';
import { type AllowlistEntry, type EgressPolicy, parseAllowlist } from '../egress/egress-policy.ts';

function flag(defaultValue: boolean) {
  return z
    .enum(['true', 'false'], { error: (issue) => `"${String(issue.input)}" is not true or false` })
    .default(defaultValue ? 'true' : 'false');
}

/**
 * The egress policy's variables, read by both services (spread into each `env.ts`) so that
 * webhooks, PromQL queries and scrapes follow one policy. See SECURITY.md, "Outbound requests".
 */
export const egressEnv = {
  /** `true` lets outbound requests reach loopback (127.0.0.0/8, ::1, 0.0.0.0): local receivers in development. */
  EGRESS_ALLOW_LOOPBACK: flag(false),
  /** `true` lets them reach link-local addresses (169.254.0.0/16, fe80::/10), cloud metadata endpoints included. */
  EGRESS_ALLOW_LINK_LOCAL: flag(false),
  /** `false` refuses private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7); allowed by default: flag services live there. */
  EGRESS_ALLOW_PRIVATE: flag(true),
  /** Comma-separated hosts, `*.suffix`es, addresses and CIDRs; when set, only these (within the classes allowed above). */
  EGRESS_ALLOWLIST: z
    .string()
    .default('')
    .transform((text, context): AllowlistEntry[] => {
      try {
        return parseAllowlist(text);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
};

export interface EgressEnv {
  EGRESS_ALLOW_LOOPBACK: 'true' | 'false';
  EGRESS_ALLOW_LINK_LOCAL: 'true' | 'false';
  EGRESS_ALLOW_PRIVATE: 'true' | 'false';
  EGRESS_ALLOWLIST: AllowlistEntry[];
}

export function egressPolicyFromEnv(env: EgressEnv): EgressPolicy {
  return {
    allowLoopback: env.EGRESS_ALLOW_LOOPBACK === 'true',
    allowLinkLocal: env.EGRESS_ALLOW_LINK_LOCAL === 'true',
    allowPrivate: env.EGRESS_ALLOW_PRIVATE === 'true',
    allowlist: env.EGRESS_ALLOWLIST,
  };
}
