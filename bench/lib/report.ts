import type { BurstResult } from "../burst.ts";
import type { FoundationResult } from "../foundation.ts";
import type { IngestionResult } from "../ingestion.ts";
import type { WorkerMemoryResult } from "../memory.ts";
import type { OrchestrationResult } from "../orchestration.ts";
import type { Machine } from "./machine.ts";
import { fmt, ratio } from "./stats.ts";

export interface BenchResult {
  machine: Machine;
  at: string;
  /** Load average before and after: other work on the machine skews the absolute figures. */
  loadAverage: { before: number[]; after: number[] };
  totalSeconds: number;
  ingestion?: IngestionResult;
  orchestration?: OrchestrationResult;
  workerMemory?: WorkerMemoryResult;
  burst?: BurstResult;
  foundation?: FoundationResult;
  targets: Target[];
}

export interface Target {
  target: string;
  measured: string;
  holds: boolean;
}

/** Web RSS target: 200 MB. */
const WEB_RSS_MB = 200;

/** Which of issue 7's (and DESIGN.md's) targets hold, for the sections that ran. */
export function evaluateTargets(result: Omit<BenchResult, "targets" | "totalSeconds">): Target[] {
  const targets: Target[] = [];
  const { ingestion, orchestration, burst } = result;
  const top = ingestion?.levels.at(-1);
  if (ingestion !== undefined && top !== undefined) {
    targets.push(
      {
        target: `ingestion throughput at concurrency ${top.concurrency} ≥ 0.8× bare Probot`,
        measured: ratio(top.throughputRatio),
        holds: top.throughputRatio >= 0.8,
      },
      {
        target: `ingestion p99 at concurrency ${top.concurrency} ≤ 1.25× bare Probot`,
        measured: ratio(top.p99Ratio),
        holds: top.p99Ratio <= 1.25,
      },
      {
        target: `ingestion p99 under load ≤ 50 ms (DESIGN.md; concurrency ${top.concurrency})`,
        measured: `${fmt(top.slipway.p99Ms)} ms`,
        holds: top.slipway.p99Ms <= 50,
      },
      {
        target: "no GitHub API call on the request path",
        measured: String(ingestion.githubCallsOnRequestPath),
        holds: ingestion.githubCallsOnRequestPath === 0,
      },
      {
        target: `web role peak RSS during ingestion ≤ ${WEB_RSS_MB} MB`,
        measured: `${fmt(ingestion.peakRssMB.slipway)} MB`,
        holds: ingestion.peakRssMB.slipway <= WEB_RSS_MB,
      },
    );
  }
  if (orchestration !== undefined) {
    targets.push({
      target: "orchestration ≥ 0.5× raw BullMQ",
      measured: ratio(orchestration.ratio),
      holds: orchestration.ratio >= 0.5,
    });
    const perJob = orchestration.githubPerJob;
    if (perJob !== undefined) {
      targets.push(
        {
          target: "GitHub API calls per push ≤ 3 for the check run and ≤ 3 for the deployment",
          measured: `${perJob.checkRuns.toFixed(2)} check-run + ${perJob.deployments.toFixed(2)} Deployments API calls per push; ${Object.values(perJob.otherCalls).reduce((a, b) => a + b, 0)} other calls in all`,
          // Rounded: a one-off call (e.g. creating an environment once) is not a per-push cost.
          holds: perJob.checkRuns <= 3.005 && perJob.deployments <= 3.005,
        },
        {
          target: "an installation token at most once an hour per installation",
          measured: `${perJob.installationTokens} tokens for ${orchestration.jobs} pushes over 5 installations`,
          holds: perJob.installationTokens <= 5,
        },
      );
    }
  }
  for (const b of burst ?? []) {
    targets.push(
      {
        target: `burst (${b.pattern}): ${b.pushes} pushes to one branch → ≤ 2 builds started`,
        measured: `${b.buildsStarted} in ${fmt(b.sentWithinMs)} ms`,
        holds: b.buildsStarted <= 2,
      },
      {
        target: `burst (${b.pattern}): every superseded check run concluded cancelled`,
        measured: `${b.supersededCancelled}/${b.pushes - 1}, last ${b.lastConclusion}`,
        holds: b.supersededCancelled === b.pushes - 1 && b.lastConclusion === "success",
      },
      {
        target: `burst (${b.pattern}): one check run per push (DESIGN.md)`,
        measured: `${b.checkRuns} check runs for ${b.pushes} pushes`,
        holds: b.pushesWithSeveralCheckRuns === 0,
      },
    );
  }
  return targets;
}

function table(header: string[], rows: string[][]): string {
  const lines = [header, header.map(() => "---"), ...rows].map(
    (cells) => `| ${cells.join(" | ")} |`,
  );
  return lines.join("\n");
}

/** The markdown the README quotes. */
export function renderMarkdown(result: BenchResult): string {
  const out: string[] = [];
  const m = result.machine;
  out.push(
    `Machine: ${m.cpus} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, Redis ${m.redis}; ` +
      `load average ${result.loadAverage.before.map((n) => n.toFixed(1)).join(" ")} before, ` +
      `${result.loadAverage.after.map((n) => n.toFixed(1)).join(" ")} after; ${result.at}; ${fmt(result.totalSeconds)} s.`,
  );
  const { ingestion, orchestration, workerMemory, burst, foundation } = result;
  if (ingestion !== undefined) {
    out.push(
      "",
      `**Ingestion** — signed \`push\` deliveries (7.6 kB) over keep-alive HTTP, medians of ${ingestion.rounds} alternating rounds of ${ingestion.secondsPerRun} s. ` +
        `Pushes cycle over ${ingestion.shape.branches} branches of ${ingestion.shape.repositories} repositories and ${ingestion.shape.installations} installations, so most supersede a queued run; ` +
        "each server runs in its own process (Slipway: `SLIPWAY_ROLE=web`, real Redis), the load generator in the bench's:",
      "",
      table(
        [
          "concurrency",
          "Slipway /s",
          "bare Probot /s",
          "ratio",
          "Slipway p50 / p99 ms",
          "bare p50 / p99 ms",
          "p99 ratio",
          "server CPU µs per delivery (Slipway / bare)",
          "Redis CPU µs per delivery (Slipway)",
        ],
        ingestion.levels.map((l) => [
          String(l.concurrency),
          fmt(l.slipway.perSecond),
          fmt(l.bare.perSecond),
          ratio(l.throughputRatio),
          `${fmt(l.slipway.p50Ms)} / ${fmt(l.slipway.p99Ms)}`,
          `${fmt(l.bare.p50Ms)} / ${fmt(l.bare.p99Ms)}`,
          ratio(l.p99Ratio),
          `${fmt(l.slipway.serverCpuUs)} / ${fmt(l.bare.serverCpuUs)}`,
          fmt(l.slipway.redisCpuUs),
        ]),
      ),
    );
  }
  if (orchestration !== undefined) {
    out.push(
      "",
      `**Orchestration** — ${orchestration.jobs} pushes queued by the web role's intake into a paused queue, then timed from resume to the last concluded check run; ` +
        `concurrency ${orchestration.concurrency} (Slipway: events and builds workers each), medians of ${orchestration.rounds} alternating rounds, every worker in its own process:`,
      "",
      table(
        [
          "worker",
          "jobs/s",
          "worker CPU ms per job",
          "Redis commands per job",
          "GitHub calls per job",
        ],
        [
          [
            "Slipway (instant build + deploy, fake GitHub)",
            fmt(orchestration.slipway.perSecond),
            orchestration.slipway.workerCpuMsPerJob.toFixed(2),
            fmt(orchestration.slipway.redisCommandsPerJob),
            orchestration.githubPerJob === undefined ? "–" : fmt(orchestration.githubPerJob.total),
          ],
          [
            "raw BullMQ (does nothing)",
            fmt(orchestration.raw.perSecond),
            orchestration.raw.workerCpuMsPerJob.toFixed(2),
            fmt(orchestration.raw.redisCommandsPerJob),
            "0",
          ],
          [
            "raw BullMQ + the same 6 GitHub calls (3 check-run + 3 deployment, plain fetch; reference, not a target)",
            fmt(orchestration.rawGitHub.perSecond),
            orchestration.rawGitHub.workerCpuMsPerJob.toFixed(2),
            fmt(orchestration.rawGitHub.redisCommandsPerJob),
            "6",
          ],
          [
            "Slipway ÷ raw (÷ raw + calls)",
            `${ratio(orchestration.ratio)} (${ratio(orchestration.ratioToRawGitHub)})`,
            "",
            "",
            "",
          ],
        ],
      ),
    );
  }
  const rows: string[][] = [];
  if (ingestion !== undefined) {
    rows.push(
      [
        "peak RSS during ingestion, web role / bare Probot",
        `${fmt(ingestion.peakRssMB.slipway)} MB / ${fmt(ingestion.peakRssMB.bare)} MB (idle before it: ${fmt(ingestion.idleRssMB.slipway)} MB / ${fmt(ingestion.idleRssMB.bare)} MB)`,
      ],
      ["GitHub API calls on the request path", String(ingestion.githubCallsOnRequestPath)],
    );
  }
  if (workerMemory !== undefined) {
    rows.push([
      `worker holding ${workerMemory.queuedBuilds} queued builds (${workerMemory.pushes} pushes announced)`,
      `RSS ${fmt(workerMemory.rssHoldingMB)} MB, peak ${fmt(workerMemory.peakRssMB)} MB (${fmt(workerMemory.rssAtStartMB)} MB at start)`,
    ]);
  }
  if (orchestration !== undefined) {
    const peak = Math.max(
      ...orchestration.runs.filter((r) => r.target === "slipway").map((r) => r.peakRssMB),
    );
    rows.push(["peak RSS of the worker during orchestration", `${fmt(peak)} MB`]);
  }
  for (const b of burst ?? []) {
    rows.push([
      `burst, ${b.pushes} pushes to one branch (${b.pattern}, ${fmt(b.sentWithinMs)} ms)`,
      `${b.buildsStarted} builds started; ${b.supersededCancelled}/${b.pushes - 1} superseded pushes' check runs cancelled; last ${b.lastConclusion}; ${b.checkRuns} check runs`,
    ]);
  }
  if (foundation !== undefined) {
    const c = foundation.callsPerPush;
    const v = foundation.checkRunVisibleWhileBusy;
    const p = foundation.checkRunVisibleWhileBusyPaced;
    rows.push(
      [
        "GitHub API calls per push, webhook → concluded check run",
        `${c.checkRunCalls} check-run calls (+ ${c.total - c.checkRunCalls} installation token, cached ~1 h)`,
      ],
      [
        "check run visible (queued) after the webhook, all build slots busy",
        `p50 ${fmt(v.p50Ms)} ms, max ${fmt(v.maxMs)} ms`,
      ],
      [
        "the same with GitHub's write pacing on (as in production)",
        `p50 ${fmt(p.p50Ms)} ms, max ${fmt(p.maxMs)} ms`,
      ],
    );
  }
  if (rows.length > 0) out.push("", table(["figure", "value"], rows));
  if (result.targets.length > 0) {
    out.push(
      "",
      "**Targets**",
      "",
      table(
        ["target", "measured", "holds"],
        result.targets.map((t) => [t.target, t.measured, t.holds ? "yes" : "**no**"]),
      ),
    );
  }
  return out.join("\n");
}
