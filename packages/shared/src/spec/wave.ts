import { z } from 'zod';
import { positiveDurationText } from './duration.ts';

export const DEFAULT_WAVE_PERCENTS = [25, 50, 100] as const;
export const DEFAULT_BAKE = '1d';
export const DEFAULT_MIN_SAMPLES = 100;

export const waveInput = z
  .strictObject({
    percent: z
      .number({ error: 'expected a percent of traffic greater than 0 and at most 100, like 25' })
      .gt(0, { error: 'expected a percent of traffic greater than 0 and at most 100, like 25' })
      .lte(100, { error: 'expected a percent of traffic greater than 0 and at most 100, like 25' })
      .meta({ description: 'Share of traffic that gets the treatment in this wave, in (0, 100].' }),
    bake: positiveDurationText
      .default(DEFAULT_BAKE)
      .meta({ description: `How long the wave runs before its checkpoint. Default: ${DEFAULT_BAKE}.` }),
    minSamples: z
      .int({ error: 'expected a whole number of samples, 1 or more' })
      .min(1, { error: 'expected a whole number of samples, 1 or more' })
      .default(DEFAULT_MIN_SAMPLES)
      .meta({
        description: `Samples per cohort before any check is judged. Default: ${DEFAULT_MIN_SAMPLES}.`,
      }),
    extend: positiveDurationText
      .optional()
      .meta({ description: 'How much an inconclusive checkpoint extends the bake. Default: half the bake.' }),
    maxBake: positiveDurationText
      .optional()
      .meta({ description: 'The longest the wave may bake, extensions included. Default: twice the bake.' }),
  })
  .meta({ description: 'One wave of the release.' });

export type WaveInput = z.input<typeof waveInput>;

export const wavesInput = z
  .array(waveInput, { error: 'expected a list of waves, like [{ percent: 25, bake: 1d }, { percent: 100 }]' })
  .min(1, { error: 'expected at least one wave; the last one must be 100' })
  .prefault(() => DEFAULT_WAVE_PERCENTS.map((percent) => ({ percent })))
  .meta({ description: 'The waves, percents strictly increasing, the last at 100. Default: 25, 50, 100.' });
