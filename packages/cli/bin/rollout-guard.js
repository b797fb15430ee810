#!/usr/bin/env node
// rollout-guard ships TypeScript without a build step: tsx's loader runs it.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
