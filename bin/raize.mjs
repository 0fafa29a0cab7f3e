#!/usr/bin/env node
// The `raize` command: loads the TypeScript sources through tsx (no build step), then the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main(process.argv);
