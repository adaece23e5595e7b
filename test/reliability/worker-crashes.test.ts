import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChildWorker, type ChildWorker } from "../support/child-worker.ts";
import { pushPayload } from "../support/examples.ts";
import { startHarness, type Harness } from "../support/harness.ts";
import { inPool, until } from "./support/pool.ts";
import { fcSeed, seededRandom } from "./support/seed.ts";

const PUSHES = 50;
const WORKERS = 3;
const KILL_EVERY_MS = 2_000;
const MAX_KILLS = 6;
/** The whole scenario, kills and recovery included, must finish within this. */
const BOUND_MS = 75_000;

const sha = (n: number) => n.toString(16).padStart(4, "0").padEnd(40, "c");

interface Kill {
  at: number;
  victim: ChildWorker;
}

// Slow (~30 s): real worker processes, SIGKILLed, and BullMQ's lock expiry (2 s here).
describe("workers SIGKILLed while 50 pushes build", { timeout: 120_000 }, () => {
  let h: Harness;
  const children: ChildWorker[] = [];
  const kills: Kill[] = [];

  const spawnWorker = () => {
    const child = startChildWorker({
      ...h.env,
      SLIPWAY_DEPLOY: "off",
      // Each worker serves /readyz and /metrics; port 0 lets several share the machine.
      PORT: "0",
      SLIPWAY_BUILD_CONCURRENCY: "3",
      FAKE_BUILD_MS: "1500",
    });
    // A worker may die before it is ready (it is killed at random): that is not a failure here.
    child.ready.catch(() => undefined);
    children.push(child);
    return child;
  };
  const alive = () => children.filter((c) => c.process.exitCode === null && !c.process.killed);
  const inFlight = (child: ChildWorker) => {
    const finished = new Set(child.finished);
    return child.started.filter((s) => !finished.has(s));
  };

  beforeAll(async () => {
    h = await startHarness({ name: "rel-crash", role: "web", env: { SLIPWAY_DEPLOY: "off" } });
  });
  afterAll(async () => {
    for (const child of children) await child.kill();
    await h.close();
  });

  it("concludes every push exactly once, none left in progress, no build finished twice", async () => {
    const random = seededRandom(fcSeed("worker kills"));
    const started = Date.now();
    await Promise.all(Array.from({ length: WORKERS }, () => spawnWorker().ready));

    const shas = Array.from({ length: PUSHES }, (_, i) => sha(i + 1));
    const answers = await inPool(shas, 10, (s, i) =>
      h.deliver("push", pushPayload({ sha: s, branch: `crash/${i}`, repoId: 5000 + i })),
    );
    expect(answers.map((a) => a.status)).toEqual(shas.map(() => 200));

    const concluded = () =>
      shas.every((s) =>
        h.github.checkRuns.some((r) => r.head_sha === s && r.status === "completed"),
      );
    // Kill a random worker every few seconds, preferring one that is building, and start a
    // replacement at once, until everything concluded or the kill budget is spent.
    while (!concluded() && kills.length < MAX_KILLS && Date.now() - started < BOUND_MS) {
      await new Promise((resolve) => setTimeout(resolve, KILL_EVERY_MS));
      const candidates = alive();
      const busy = candidates.filter((c) => inFlight(c).length > 0);
      const pool = busy.length > 0 ? busy : candidates;
      const victim = pool[Math.floor(random() * pool.length)];
      if (victim === undefined) continue;
      kills.push({ at: Date.now() - started, victim });
      await victim.kill();
      spawnWorker();
    }
    await until("every push's check run to conclude", concluded, BOUND_MS - (Date.now() - started));
    const elapsed = Date.now() - started;

    const finishedCount = new Map<string, number>();
    const startedCount = new Map<string, number>();
    for (const child of children) {
      for (const s of child.finished) finishedCount.set(s, (finishedCount.get(s) ?? 0) + 1);
      for (const s of child.started) startedCount.set(s, (startedCount.get(s) ?? 0) + 1);
    }
    // Read once the dead workers' output is drained: builds they started and never finished.
    const interrupted = new Map<string, number>();
    for (const { victim } of kills) {
      for (const s of inFlight(victim)) interrupted.set(s, (interrupted.get(s) ?? 0) + 1);
    }
    const killedJobs = [...interrupted.keys()];
    const conclusions = new Map<string, number>();
    for (const s of shas) {
      const runs = h.github.checkRuns.filter((r) => r.head_sha === s);
      const conclusion = String(runs[0]?.conclusion);
      conclusions.set(conclusion, (conclusions.get(conclusion) ?? 0) + 1);
    }
    console.log(
      `[worker kills] ${kills.length} workers killed, ${killedJobs.length} builds in flight at ` +
        `the kills, all ${PUSHES} pushes concluded in ${elapsed} ms; conclusions: ` +
        JSON.stringify(Object.fromEntries(conclusions)) +
        `; builds started ${[...startedCount.values()].reduce((a, b) => a + b, 0)} times; not successes: ` +
        JSON.stringify(
          h.github.checkRuns
            .filter((r) => r.conclusion !== "success")
            .map(
              (r) =>
                `${r.head_sha.slice(0, 4)} (started ${startedCount.get(r.head_sha) ?? 0}×, ` +
                `in ${interrupted.get(r.head_sha) ?? 0} killed workers): ${r.output?.title ?? ""}`,
            ),
        ),
    );

    expect(kills.length).toBeGreaterThanOrEqual(3); // the scenario really killed workers
    expect(killedJobs.length).toBeGreaterThan(0);
    for (const s of shas) {
      const runs = h.github.checkRuns.filter((r) => r.head_sha === s);
      expect(runs, `check runs of ${s}`).toHaveLength(1);
      const [run] = runs;
      expect(run?.status).toBe("completed");
      // A run is concluded once: nothing moves it back to in progress afterwards.
      const firstDone = run?.history.findIndex((entry) => entry.status === "completed") ?? -1;
      expect(
        run?.history.slice(firstDone).map((entry) => entry.status),
        `history of ${s}`,
      ).not.toContain("in_progress");
      // BullMQ fails a job stalled three times; only such a job may conclude as a failure. A
      // worker can die after taking the job and before its build starts, so the builds started
      // may be fewer than three: what must hold is that the failure is that limit.
      if (run?.conclusion !== "success") {
        expect(run?.output?.title, `${s} concluded ${String(run?.conclusion)}`).toContain(
          "stalled more than allowable limit",
        );
        expect(startedCount.get(s) ?? 0, `${s} was started at least once`).toBeGreaterThan(0);
      }
      expect(finishedCount.get(s) ?? 0, `builds of ${s} run to completion`).toBeLessThanOrEqual(1);
    }
    // Every build that was running in a killed worker was finished by another one.
    for (const s of killedJobs) {
      const run = h.github.checkRuns.find((r) => r.head_sha === s);
      if (run?.conclusion === "success") expect(finishedCount.get(s)).toBe(1);
    }
    expect(h.github.checkRuns.filter((r) => r.status !== "completed")).toEqual([]);
  });
});
