#!/usr/bin/env node
// Entry point for `npx lab` and a global `lab`: runs the compiled CLI (built by `npm ci` through `prepare`).
import { main } from '../dist/lab/cli.js';

process.exitCode = await main(process.argv.slice(2));
