/**
 * A Slipway worker role in its own process, for bench/orchestration.ts and bench/memory.ts:
 * the real composition root with instant fake build and deploy stages (or builds that never
 * finish, `BENCH_BUILDS=blocked`, to hold a backlog), and GitHub throttling off. Configured by
 * the environment like `npm start`; says `ready` over IPC once its workers run, and counts the
 * Redis commands it sends.
 */
import { parseEnv } from "../../src/config/env.ts";
import { createLogger } from "../../src/logger.ts";
import { startSlipway } from "../../src/main.ts";
import { controlledBuild, recordingDeploy } from "../../test/support/fake-stages.ts";
import { onStopRequest, tell } from "./ipc.ts";
import { countRedisCommands } from "./redis-counter.ts";

countRedisCommands();

const config = parseEnv(process.env);
const build = controlledBuild();
if (process.env["BENCH_BUILDS"] !== "blocked") build.releaseAll();
const running = await startSlipway(config, {
  buildStage: build,
  deployStage: recordingDeploy(),
  githubThrottle: false,
  log: createLogger(config.logLevel, config.logFormat),
});
onStopRequest(() => running.close({ force: true }));
tell({ type: "ready" });
