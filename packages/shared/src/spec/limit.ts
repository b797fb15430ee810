import { z } from 'zod';
import { PERCENT_PATTERN } from './limit-value.ts';

export {
  type Allowed,
  type AllowedText,
  isRelative,
  type Limit,
  PERCENT_PATTERN,
  parseAllowed,
  parseLimit,
} from './limit-value.ts';

export const LIMIT_HINT = 'expected a number or a percentage like "+5%"';

export const limitInput = z
  .union([z.number(), z.string().regex(PERCENT_PATTERN, { error: LIMIT_HINT })], { error: LIMIT_HINT })
  .meta({
    description:
      'A number (absolute, or an absolute difference for baseline/control) or a signed percentage relative to the reference, like "+5%" or "-10%".',
  });

export const allowedInput = z
  .strictObject(
    {
      min: limitInput.optional(),
      max: limitInput.optional(),
    },
    { error: 'expected the range the value must stay in, like { max: 0.05 } or { min: "-1%", max: "+5%" }' },
  )
  .refine((allowed) => allowed.min !== undefined || allowed.max !== undefined, {
    error: 'expected at least one bound: { min: … } and/or { max: … }',
  })
  // minProperties carries the refine above into the JSON Schema, which cannot see refinements.
  .meta({ description: 'The range the compared quantity must stay in: min and/or max.', minProperties: 1 });

export type AllowedInput = z.input<typeof allowedInput>;
