import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluateTargets, renderMarkdown, type BenchResult } from "./report.ts";

/** The committed run: what the README quotes and issue 7's acceptance asks for. */
const latest = JSON.parse(
  readFileSync(new URL("../results/latest.json", import.meta.url), "utf8"),
) as BenchResult;

function copy(): BenchResult {
  return structuredClone(latest);
}

function holds(result: BenchResult, startsWith: string): boolean | undefined {
  return evaluateTargets(result).find((t) => t.target.startsWith(startsWith))?.holds;
}

describe("bench/results/latest.json", () => {
  it("holds every figure of a full run", () => {
    expect(latest.ingestion?.levels.map((l) => l.concurrency)).toEqual([1, 10, 50]);
    for (const level of latest.ingestion?.levels ?? []) {
      for (const side of [level.slipway, level.bare]) {
        expect(side.perSecond).toBeGreaterThan(0);
        expect(side.p99Ms).toBeGreaterThanOrEqual(side.p50Ms);
      }
      expect(level.throughputRatio).toBeCloseTo(level.slipway.perSecond / level.bare.perSecond);
    }
    expect(latest.ingestion?.rounds).toBeGreaterThanOrEqual(3);
    expect(latest.orchestration?.jobs).toBe(2000);
    expect(latest.orchestration?.conclusions).toEqual({ success: 2000 });
    expect(latest.orchestration?.githubPerJob?.failedCalls).toBe(0);
    expect(latest.workerMemory?.queuedBuilds).toBeGreaterThan(9_900);
    expect(latest.burst?.map((b) => b.pattern).sort()).toEqual(["back-to-back", "spread"]);
    expect(latest.foundation?.callsPerPush.checkRunCalls).toBe(3);
  });

  it("records the targets its figures give", () => {
    expect(latest.targets).toEqual(evaluateTargets(latest));
  });
});

describe("evaluateTargets", () => {
  it("holds ingestion throughput from 0.8× of the bare app, and p99 up to 1.25×", () => {
    const result = copy();
    const top = result.ingestion?.levels.at(-1);
    if (top === undefined) throw new Error("no ingestion level");
    top.throughputRatio = 0.8;
    top.p99Ratio = 1.25;
    expect(holds(result, "ingestion throughput")).toBe(true);
    expect(holds(result, "ingestion p99 at")).toBe(true);
    top.throughputRatio = 0.799;
    top.p99Ratio = 1.251;
    expect(holds(result, "ingestion throughput")).toBe(false);
    expect(holds(result, "ingestion p99 at")).toBe(false);
  });

  it("fails the call budget on a fourth check-run call per push, and a burst on a third build", () => {
    const result = copy();
    const perJob = result.orchestration?.githubPerJob;
    const burst = result.burst?.[0];
    if (perJob === undefined || burst === undefined) throw new Error("incomplete fixture");
    perJob.checkRuns = 4;
    burst.buildsStarted = 3;
    expect(holds(result, "GitHub API calls per push")).toBe(false);
    expect(holds(result, `burst (${burst.pattern}): ${burst.pushes} pushes`)).toBe(false);
  });

  it("checks only the sections that ran", () => {
    const { machine, at, loadAverage, burst } = copy();
    const targets = evaluateTargets({ machine, at, loadAverage, burst: burst ?? [] });
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.every((t) => t.target.startsWith("burst"))).toBe(true);
  });
});

describe("renderMarkdown", () => {
  it("prints every section's table and each target with its verdict", () => {
    const text = renderMarkdown(latest);
    for (const heading of ["**Ingestion**", "**Orchestration**", "**Targets**"])
      expect(text).toContain(heading);
    expect(text).toMatch(/^\| 50 \| \d+ \| \d+ \| \d\.\d\d× \|/m);
    for (const target of latest.targets) {
      expect(text).toContain(
        `| ${target.target} | ${target.measured} | ${target.holds ? "yes" : "**no**"} |`,
      );
    }
  });
});
