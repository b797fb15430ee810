/**
 * A delivery that cannot succeed as configured: a missing environment variable, a malformed secret,
 * a target that lacks a field its format needs. Retrying will not help until an operator changes
 * the configuration, so the sender records it as `stopped` (never `retry`). Messages name the
 * variable or field, never a secret's value.
 */
export class DeliveryConfigError extends Error {
  override readonly name = 'DeliveryConfigError';
}
