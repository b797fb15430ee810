// Writes packages/shared/rollout.schema.json from the zod schema: `pnpm gen:schema`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rolloutJsonSchemaText } from '../src/spec/json-schema.ts';

const target = fileURLToPath(new URL('../rollout.schema.json', import.meta.url));
writeFileSync(target, rolloutJsonSchemaText());
console.log(`wrote ${target}`);
