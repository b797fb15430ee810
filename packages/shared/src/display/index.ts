/**
 * What a browser page shows the way the services do: the phases, and bounds of `allowed` as written and
 * in the units they are compared in. Only modules that import nothing at run time (no zod, no Node): the
 * dashboard bundles this subpath for the browser, and its build test keeps it that way.
 */
export * from '../decision/limit-text.ts';
export { PHASES, type Phase, TERMINAL_PHASES } from '../decision/state.ts';
export {
  type Allowed,
  type AllowedText,
  isRelative,
  type Limit,
  parseAllowed,
  parseLimit,
} from '../spec/limit-value.ts';
