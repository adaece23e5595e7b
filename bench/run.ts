/**
 * `npm run bench`: issue 7's measurements on this machine, each side by side with the floor of
 * its stack, alternating A B A B after a warm-up, medians over rounds. Writes
 * bench/results/latest.json and prints markdown (the README's Performance section quotes it).
 *
 *   --only=ingestion,orchestration,memory,burst,foundation   run some sections
 *   --rounds=5 --seconds=5                                    rounds, seconds per ingestion run
 *   --profile=/tmp/slipway-prof                               --cpu-prof the servers and workers
 */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { burstCoalescing } from "./burst.ts";
import { foundation } from "./foundation.ts";
import { ingestion } from "./ingestion.ts";
import { killChildren } from "./lib/child.ts";
import { machine } from "./lib/machine.ts";
import { REDIS_URL, deletePrefixesInUse } from "./lib/redis.ts";
import { evaluateTargets, renderMarkdown, type BenchResult } from "./lib/report.ts";
import { workerMemory } from "./memory.ts";
import { orchestration } from "./orchestration.ts";

const SECTIONS = ["ingestion", "orchestration", "memory", "burst", "foundation"] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "5" },
    profile: { type: "string" },
  },
});
const only = new Set((values.only ?? SECTIONS.join(",")).split(",").map((s) => s.trim()));
for (const name of only) {
  if (!SECTIONS.includes(name as Section)) throw new Error(`bench: unknown section ${name}`);
}
const rounds = Math.max(1, Number(values.rounds));
const seconds = Math.max(1, Number(values.seconds));
const profileDir = values.profile;
const progress = (line: string) => {
  process.stderr.write(`· ${line}\n`);
};
const wants = (section: Section) => only.has(section);

async function redisVersion(): Promise<string> {
  const redis = new Redis(REDIS_URL);
  try {
    return /redis_version:(\S+)/.exec(await redis.info("server"))?.[1] ?? "?";
  } finally {
    redis.disconnect();
  }
}

// On Ctrl-C: kill the servers and workers started, delete the Redis keys written, then exit.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killChildren();
    const deadline = setTimeout(() => process.exit(130), 10_000);
    const exit = () => {
      clearTimeout(deadline);
      process.exit(130);
    };
    deletePrefixesInUse().then(exit, exit);
  });
}

const started = performance.now();
const partial: Omit<BenchResult, "targets" | "totalSeconds"> = {
  machine: machine(await redisVersion()),
  at: new Date().toISOString(),
  loadAverage: { before: os.loadavg(), after: [] },
};
if (wants("ingestion")) {
  partial.ingestion = await ingestion({
    concurrencies: [1, 10, 50],
    rounds,
    seconds,
    warmupSeconds: 2,
    profileDir,
    progress,
  });
}
if (wants("orchestration")) {
  partial.orchestration = await orchestration({
    jobs: 2000,
    warmupJobs: 200,
    rounds,
    concurrency: 10,
    profileDir,
    progress,
  });
}
if (wants("memory")) partial.workerMemory = await workerMemory({ jobs: 10_000, progress });
if (wants("burst")) partial.burst = await burstCoalescing({ progress });
if (wants("foundation")) partial.foundation = await foundation();
partial.loadAverage.after = os.loadavg();

const result: BenchResult = {
  ...partial,
  totalSeconds: (performance.now() - started) / 1000,
  targets: evaluateTargets(partial),
};
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(
  new URL("./results/latest.json", import.meta.url),
  JSON.stringify(result, null, 2) + "\n",
);
console.log(renderMarkdown(result));
const missed = result.targets.filter((t) => !t.holds).length;
console.log(
  `\n${result.targets.length - missed} of ${result.targets.length} targets hold. Written to bench/results/latest.json.`,
);
process.exit(0);
