import { describe, expect, it } from "vitest";
import type { RunOutcome, RunProgress, StageOutcome } from "./outcome.ts";
import { renderCheckRun, renderProgress } from "./render-check-run.ts";
import { CHECK_RUN_TEXT_LIMIT } from "./truncate.ts";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const GHS = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
const SECRET = "s3cr3t-registry-pa|ss`word";
const none = { secrets: [] };

const built: StageOutcome = { stage: "build", result: "success", durationMs: 12_300 };
const deployed: StageOutcome = { stage: "deploy", result: "success", durationMs: 850 };
const noDeploy: StageOutcome = {
  stage: "deploy",
  result: "skipped",
  reason: "no preview for this branch",
};

function outcome(fields: Partial<RunOutcome> & Pick<RunOutcome, "conclusion">): RunOutcome {
  return { sha: SHA, branch: "main", stages: [], ...fields };
}

function failed(reason: string, log?: string): RunOutcome {
  const stage: StageOutcome =
    log === undefined
      ? { stage: "build", result: "failure", durationMs: 125_000, reason }
      : { stage: "build", result: "failure", durationMs: 125_000, reason, log };
  return outcome({ conclusion: "failure", stages: [stage, noDeploy] });
}

/** The cells of each table row, splitting on pipes that are not backslash-escaped. */
function tableCells(markdown: string): string[][] {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) => line.replace(/\\./g, "").split("|").slice(1, -1));
}

describe("renderCheckRun", () => {
  it.each([
    [
      "a deployed run",
      outcome({
        conclusion: "success",
        stages: [built, deployed],
        image: "ghcr.io/acme/app@sha256:abc",
        previewUrl: "https://main.preview.example.com",
      }),
      "Deployed main at 0123456",
      [
        "Deployed `main` at `0123456`.",
        "| Build | ✅ Success | 12.3 s |",
        "| Deploy | ✅ Success | 850 ms |",
        "**Image:** `ghcr.io/acme/app@sha256:abc`",
        "**Preview:** <https://main.preview.example.com/>",
        `**Commit:** \`${SHA}\``,
      ],
    ],
    [
      "a built run whose deploy was skipped",
      outcome({ conclusion: "success", stages: [built, noDeploy] }),
      "Built 0123456",
      [
        "Built `main` at `0123456`; the deploy stage was skipped.",
        "| Deploy | ⏭️ Skipped: no preview for this branch | — |",
      ],
    ],
    [
      "a failed build",
      failed("Dagger engine unreachable at 127.0.0.1:8080\nretried 3 times"),
      "Build failed: Dagger engine unreachable at 127.0.0.1:8080",
      [
        "The build stage failed for `main` at `0123456`: Dagger engine unreachable at 127.0.0.1:8080 retried 3 times.",
        "| Build | ❌ Failure | 2 min 5 s |",
      ],
    ],
    [
      "a deploy that timed out",
      outcome({
        conclusion: "timed_out",
        stages: [
          built,
          { stage: "deploy", result: "timed_out", durationMs: 900_400, timeoutMs: 900_000 },
        ],
      }),
      "Deploy timed out after 15 min",
      [
        "The deploy stage for `main` at `0123456` timed out after 15 min.",
        "| Deploy | ⏱️ Timed out (limit 15 min) | 15 min |",
      ],
    ],
    [
      "a superseded run",
      outcome({
        conclusion: "cancelled",
        cancelReason: "Superseded by 1a2b3c4",
        stages: [{ stage: "build", result: "cancelled", durationMs: 3_000 }],
      }),
      "Cancelled: Superseded by 1a2b3c4",
      [
        "The run for `main` at `0123456` was cancelled: Superseded by 1a2b3c4.",
        "| Build | 🚫 Cancelled | 3.0 s |",
      ],
    ],
    [
      "a run cancelled before it started",
      outcome({ conclusion: "cancelled" }),
      "Cancelled",
      ["The run for `main` at `0123456` was cancelled."],
    ],
  ])("renders %s", (_name, run, title, fragments) => {
    const output = renderCheckRun(run, none);
    expect(output.title).toBe(title);
    for (const fragment of fragments) expect(output.summary).toContain(fragment);
    expect(output.summary.startsWith(fragments[0] ?? "")).toBe(true);
  });

  it.each([
    ["a long reason", failed(`registry said ${"no ".repeat(80)}`)],
    [
      "a long branch",
      outcome({ conclusion: "success", branch: "b".repeat(300), stages: [built, deployed] }),
    ],
    ["a long cancel reason", outcome({ conclusion: "cancelled", cancelReason: "x".repeat(300) })],
  ])("fits %s in a one-line title of 100 characters", (_name, run) => {
    const { title } = renderCheckRun(run, none);
    expect(title.length).toBeLessThanOrEqual(100);
    expect(title).toMatch(/…/);
    expect(title).not.toMatch(/\n/);
  });

  it.each([
    ["a success", outcome({ conclusion: "success", stages: [built, deployed] })],
    ["a cancellation", outcome({ conclusion: "cancelled" })],
    ["a failure without a log", failed("exit 1")],
    ["a failure with an empty log", failed("exit 1", "\n")],
  ])("has no text for %s", (_name, run) => {
    expect(renderCheckRun(run, none)).not.toHaveProperty("text");
  });

  it("shows a failed stage's log in a code block", () => {
    const { text } = renderCheckRun(
      failed("exit 1", "\u001b[31mnpm ERR!\u001b[0m missing script: build\n"),
      none,
    );
    expect(text).toBe(
      "### Build failed\n\nThe last lines of its log:\n\n```\nnpm ERR! missing script: build\n```",
    );
  });

  it("keeps a log's fences from closing its code block", () => {
    const { text } = renderCheckRun(failed("exit 1", "before\n```\nafter\n````"), none);
    expect(text).toMatch(/\n`````\nbefore\n```\nafter\n````\n`````$/);
  });

  it("keeps the newest lines of a megabyte of log", () => {
    const lines = Array.from(
      { length: 20_000 },
      (_, i) => `[${i}] ${"compiling module ".repeat(3)}`,
    );
    const log = [...lines, "newest line: exit 1"].join("\n");
    expect(log.length).toBeGreaterThan(1_000_000);
    const { text, summary } = renderCheckRun(failed("exit 1", log), none);
    expect(text?.length).toBeLessThanOrEqual(CHECK_RUN_TEXT_LIMIT);
    expect(text).toMatch(/\n```\n… \d+ earlier characters omitted\n\[\d+\] compiling/);
    expect(text?.endsWith("newest line: exit 1\n```")).toBe(true);
    expect(summary.length).toBeLessThanOrEqual(CHECK_RUN_TEXT_LIMIT);
  });

  it("caps a summary swollen by a huge skip reason and image", () => {
    const run = outcome({
      conclusion: "success",
      stages: [built, { stage: "deploy", result: "skipped", reason: "r".repeat(200_000) }],
      image: "i".repeat(200_000),
    });
    const { summary } = renderCheckRun(run, none);
    expect(summary.length).toBeLessThanOrEqual(CHECK_RUN_TEXT_LIMIT);
    expect(summary).toMatch(/… truncated: \d+ characters omitted$/);
  });

  it("escapes a reason with pipes and backticks", () => {
    const run = outcome({
      conclusion: "failure",
      stages: [
        { stage: "build", result: "failure", durationMs: 1_000, reason: "`make | tee` exited 2" },
        { stage: "deploy", result: "skipped", reason: "build | failed ``` badly" },
      ],
    });
    const { title, summary } = renderCheckRun(run, none);
    expect(title).toBe("Build failed: `make | tee` exited 2");
    expect(summary).toContain(": \\`make \\| tee\\` exited 2.");
    expect(tableCells(summary).map((cells) => cells.length)).toEqual([3, 3, 3, 3]);
    expect(summary).toContain("| Deploy | ⏭️ Skipped: build \\| failed \\`\\`\\` badly | — |");
  });

  it("shows a unicode branch with a pipe intact", () => {
    const run = outcome({
      conclusion: "success",
      branch: "feature/ünïcødé|x",
      stages: [built, deployed],
    });
    const { title, summary } = renderCheckRun(run, none);
    expect(title).toBe("Deployed feature/ünïcødé|x at 0123456");
    expect(summary).toContain("Deployed `feature/ünïcødé|x` at `0123456`.");
    expect(tableCells(summary).map((cells) => cells.length)).toEqual([3, 3, 3, 3]);
  });

  it("shows a branch with backticks as code", () => {
    const run = outcome({
      conclusion: "success",
      branch: "fix/`rm -rf`",
      stages: [built, deployed],
    });
    expect(renderCheckRun(run, none).summary).toContain(
      "Deployed `` fix/`rm -rf` `` at `0123456`.",
    );
  });

  it.each([
    ["a non-web URL", "javascript:alert(1)", "**Preview:** `javascript:alert(1)`"],
    [
      "a URL with spaces and brackets",
      "https://x.test/a b<c>",
      "**Preview:** <https://x.test/a%20b%3Cc%3E>",
    ],
    ["text that is not a URL", "not a url", "**Preview:** `not a url`"],
  ])("shows %s as a preview safely", (_name, previewUrl, line) => {
    const run = outcome({ conclusion: "success", stages: [built, deployed], previewUrl });
    expect(renderCheckRun(run, none).summary).toContain(line);
  });

  it.each([
    [
      "a failure",
      failed(
        `push with ${SECRET} denied\nused ${GHS}`,
        `login ${SECRET}\nAuthorization: Bearer ${GHS}\nexit 1`,
      ),
    ],
    [
      "a success",
      outcome({
        conclusion: "success",
        branch: `leak/${SECRET}`,
        stages: [{ ...built, detail: `pushed with ${SECRET}` }, deployed],
        image: `registry.test/app:${SECRET}`,
        previewUrl: `https://user:${SECRET}@preview.test/`,
      }),
    ],
    [
      "a cancellation",
      outcome({ conclusion: "cancelled", cancelReason: `token ${SECRET} revoked` }),
    ],
    [
      "a skipped deploy",
      outcome({
        conclusion: "success",
        stages: [built, { ...noDeploy, reason: `${SECRET} expired` }],
      }),
    ],
  ])("never shows a known secret or a token in %s", (_name, run) => {
    const output = renderCheckRun(run, { secrets: [SECRET] });
    const everything = Object.values(output).join("\n");
    for (const leak of [SECRET, "s3cr3t", "pa|ss", "pa\\|ss", GHS]) {
      expect(everything).not.toContain(leak);
    }
    // Masks show as `***`, escaped as `\*\*\*` where they are markdown text.
    expect(everything).toMatch(/(\\?\*){3}/);
  });

  it("redacts the reason in the title", () => {
    const { title } = renderCheckRun(failed(`push with ${SECRET} denied`), { secrets: [SECRET] });
    expect(title).toBe("Build failed: push with *** denied");
  });

  it("redacts a secret in the log tail", () => {
    const { text } = renderCheckRun(
      failed("exit 1", `npm login --password ${SECRET}\nfetch ${GHS}`),
      {
        secrets: [SECRET],
      },
    );
    expect(text).toContain("npm login --password ***\nfetch ***\n```");
  });
});

describe("renderProgress", () => {
  const queued: RunProgress = { sha: SHA, branch: "main", stages: [] };

  it.each([
    [
      "queued",
      queued,
      "Queued",
      ["Queued `main` at `0123456`; waiting to start.", `**Commit:** \`${SHA}\``],
    ],
    [
      "building",
      { ...queued, currentStage: "build" },
      "Building…",
      ["Building `main` at `0123456`.", "| Build | ⏳ Running | — |"],
    ],
    [
      "deploying",
      { ...queued, currentStage: "deploy", stages: [built] },
      "Deploying…",
      [
        "Deploying `main` at `0123456`.",
        "| Build | ✅ Success | 12.3 s |\n| Deploy | ⏳ Running | — |",
      ],
    ],
  ] satisfies [string, RunProgress, string, string[]][])(
    "renders a run that is %s",
    (_name, progress, title, fragments) => {
      const output = renderProgress(progress);
      expect(output.title).toBe(title);
      for (const fragment of fragments) expect(output.summary).toContain(fragment);
    },
  );

  it("shows no table while queued", () => {
    expect(renderProgress(queued).summary).not.toContain("| Stage |");
  });

  it("redacts the branch", () => {
    const { summary } = renderProgress({ ...queued, branch: `x/${SECRET}` }, { secrets: [SECRET] });
    expect(summary).toContain("Queued `x/***` at");
    expect(summary).not.toContain("s3cr3t");
  });
});
