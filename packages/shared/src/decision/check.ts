export type GuardrailOutcome = 'ok' | 'breached' | 'insufficient' | 'no-data';
export type CriterionOutcome = 'pass' | 'fail' | 'inconclusive';
