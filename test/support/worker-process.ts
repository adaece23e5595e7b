/**
 * A Slipway worker in a process of its own, for tests that kill it. Configured by the
 * environment like the real one; its build stage is the controllable fake, taking
 * FAKE_BUILD_MS per build. Prints `started <sha>` and `finished <sha>` lines on stdout.
 */
import { parseEnv } from "../../src/config/env.ts";
import { startSlipway } from "../../src/main.ts";
import { stopOnSignals } from "../../src/stop-on-signals.ts";
import { controlledBuild } from "./fake-stages.ts";
import { captureLogger } from "./logs.ts";

const build = controlledBuild({ autoReleaseMs: Number(process.env["FAKE_BUILD_MS"] ?? "3000") });
const originalBuild = build.build.bind(build);
build.build = async (input, context) => {
  process.stdout.write(`started ${input.target.sha}\n`);
  const result = await originalBuild(input, context);
  process.stdout.write(`finished ${input.target.sha}\n`);
  return result;
};

const { log } = captureLogger("silent");
const config = parseEnv({ ...process.env, SLIPWAY_ROLE: "worker" });
const running = await startSlipway(config, {
  buildStage: build,
  log,
  githubThrottle: false,
  githubRetryBaseMs: 10,
  sweep: { everyMs: 500, graceMs: 300 },
});
stopOnSignals(running, log, config.shutdownGraceMs);
process.stdout.write("ready\n");
