#!/usr/bin/env node
// Node ≥ 23.6 strips TypeScript types natively, so the CLI runs from source.
import process from "node:process";
import { renderCommand } from "../src/cli/render.ts";

process.exitCode = await renderCommand(
  process.argv.slice(2),
  process.env,
  process.stdout,
  process.stderr,
);
