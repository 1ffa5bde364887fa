#!/usr/bin/env node
// sessionctl: runs the compiled CLI when the package is built (dist/, as in the image), else the
// TypeScript source through tsx (a checkout with dev dependencies).
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const built = new URL('../dist/src/cli/sessionctl.js', import.meta.url);
let cli;
if (existsSync(built)) {
  cli = await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli/sessionctl.ts');
}
process.exitCode = await cli.run(process.argv);
