#!/usr/bin/env node
/**
 * The `nestjs-viber` command line (the package's bin): webhook doctor, account, send, broadcast,
 * and a standalone emulator. `nestjs-viber --help` lists everything.
 */
import { processIo } from './cli.io';
import { runCli } from './cli.program';

void runCli(process.argv, processIo()).then((code) => {
  process.exitCode = code;
});
