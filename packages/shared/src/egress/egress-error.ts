import type { EgressRefusalReason } from './egress-policy.ts';

/**
 * An outbound request the egress policy did not let through: an address of a refused class, one
 * outside the allowlist, or a redirect that would leave the origin. Not worth retrying as it is:
 * only a change of the policy or of the URL makes it go through.
 */
export class EgressRefusedError extends Error {
  override name = 'EgressRefusedError';
  constructor(
    readonly reason: EgressRefusalReason | 'cross-origin-redirect' | 'too-many-redirects',
    message: string,
  ) {
    super(message);
  }
}

/** A response body larger than the cap its reader set. */
export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`the answer is over the limit of ${maxBytes} bytes`);
  }
}
