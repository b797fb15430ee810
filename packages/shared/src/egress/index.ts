/** The answer `Egress.fetch` gives (undici's Response, which the global one mirrors). */
export type { Response as EgressResponse } from 'undici';
export {
  createEgress,
  type Egress,
  type EgressOptions,
  type EgressRequest,
  type Resolve,
} from './egress-agent.ts';
export { EgressRefusedError, ResponseTooLargeError } from './egress-error.ts';
export {
  type AddressClass,
  type AllowlistEntry,
  classifyAddress,
  defaultEgressPolicy,
  type EgressPolicy,
  type EgressRefusalReason,
  type EgressVerdict,
  egressVerdict,
  openEgressPolicy,
  parseAllowlist,
} from './egress-policy.ts';
export { readCapped } from './read-capped.ts';
