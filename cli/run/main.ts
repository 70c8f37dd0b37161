#!/usr/bin/env node
// Stand-alone entry of `run`: node out/cli/run/main.js [options] FILTER.wasm
import { runCommand } from "./command.js";

process.exitCode = await runCommand(process.argv.slice(2));
