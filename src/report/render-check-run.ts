import { escapeMarkdown } from "./escape-markdown.ts";
import { fenceLength, fencedBlock } from "./fenced-block.ts";
import { formatDuration } from "./format-duration.ts";
import { inlineCode } from "./inline-code.ts";
import type { RunOutcome, RunProgress, StageName, StageOutcome } from "./outcome.ts";
import { redact } from "./redact.ts";
import { renderStageTable } from "./render-stage-table.ts";
import { shorten } from "./shorten.ts";
import { STAGE_LABEL } from "./stage-label.ts";
import { stripAnsi } from "./strip-ansi.ts";
import { CHECK_RUN_TEXT_LIMIT, capTail, capText } from "./truncate.ts";

/** The `output` of a check run as GitHub's API takes it. */
export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
}

export interface RenderOptions {
  /** Values masked wherever they would appear: tokens, passwords, registry credentials. */
  secrets: readonly string[];
}

/** GitHub shows the title on one line beside the check's name. */
const TITLE_MAX = 100;
/** Keeps a runaway reason from pushing the stage table out of the summary. */
const REASON_MAX = 1_000;

const PROGRESS_VERB = { build: "Building", deploy: "Deploying" } as const satisfies Record<
  StageName,
  string
>;

/**
 * The check run output for a finished run: a one-line title, a markdown summary with the stage
 * table, and for a failed stage with a log, that log's tail. Everything is redacted with
 * `secrets` and known credential shapes, and fits GitHub's size limits.
 */
export function renderCheckRun(outcome: RunOutcome, options: RenderOptions): CheckRunOutput {
  const { secrets } = options;
  const title = finishTitle(outcomeTitle(outcome, secrets), secrets);
  const sections = [
    outcomeHeadline(outcome, secrets),
    ...(outcome.stages.length > 0 ? [renderStageTable(outcome.stages, secrets)] : []),
    ...artifactLines(outcome, secrets),
    commitLine(outcome.sha),
  ];
  const summary = finishMarkdown(sections.join("\n\n"), secrets);
  const log = failureLog(outcome, secrets);
  if (log === undefined) return { title, summary };
  return { title, summary, text: finishMarkdown(log, secrets) };
}

/** The check run output while a run waits for a worker or runs a stage. */
export function renderProgress(
  progress: RunProgress,
  options: RenderOptions = { secrets: [] },
): { title: string; summary: string } {
  const { secrets } = options;
  const { currentStage } = progress;
  const at = branchAt(progress.branch, progress.sha, secrets);
  if (currentStage === undefined) {
    const sections = [`Queued ${at}; waiting to start.`];
    if (progress.stages.length > 0) sections.push(renderStageTable(progress.stages, secrets));
    sections.push(commitLine(progress.sha));
    return { title: "Queued", summary: finishMarkdown(sections.join("\n\n"), secrets) };
  }
  const verb = PROGRESS_VERB[currentStage];
  const sections = [
    `${verb} ${at}.`,
    renderStageTable(progress.stages, secrets, currentStage),
    commitLine(progress.sha),
  ];
  return {
    title: finishTitle(`${verb}…`, secrets),
    summary: finishMarkdown(sections.join("\n\n"), secrets),
  };
}

function outcomeTitle(outcome: RunOutcome, secrets: readonly string[]): string {
  const sha7 = outcome.sha.slice(0, 7);
  switch (outcome.conclusion) {
    case "success": {
      if (stageResult(outcome.stages, "deploy") === "success") {
        const room = TITLE_MAX - `Deployed  at ${sha7}`.length;
        return `Deployed ${shorten(redact(outcome.branch, secrets), room)} at ${sha7}`;
      }
      if (stageResult(outcome.stages, "build") === "success") return `Built ${sha7}`;
      return `Succeeded at ${sha7}`;
    }
    case "failure": {
      const stage = outcome.stages.find((s) => s.result === "failure");
      if (stage?.result !== "failure") return "Failed";
      return withDetail(
        `${STAGE_LABEL[stage.stage]} failed`,
        firstLine(redact(stage.reason, secrets)),
      );
    }
    case "timed_out": {
      const stage = outcome.stages.find((s) => s.result === "timed_out");
      if (stage?.result !== "timed_out") return "Timed out";
      return `${STAGE_LABEL[stage.stage]} timed out after ${formatDuration(stage.timeoutMs)}`;
    }
    case "cancelled":
      return withDetail("Cancelled", redact(outcome.cancelReason ?? "", secrets));
    case "skipped":
      return withDetail("Skipped", redact(skipReason(outcome), secrets));
  }
}

/** Why a skipped run did nothing: its first skipped stage's reason. */
function skipReason(outcome: RunOutcome): string {
  const stage = outcome.stages.find((s) => s.result === "skipped");
  return stage?.result === "skipped" ? stage.reason : "";
}

function outcomeHeadline(outcome: RunOutcome, secrets: readonly string[]): string {
  const at = branchAt(outcome.branch, outcome.sha, secrets);
  const prose = (text: string) =>
    sentence(escapeMarkdown(shorten(redact(text, secrets), REASON_MAX)));
  switch (outcome.conclusion) {
    case "success": {
      if (stageResult(outcome.stages, "deploy") === "success") return `Deployed ${at}.`;
      if (stageResult(outcome.stages, "deploy") === "skipped") {
        return `Built ${at}; the deploy stage was skipped.`;
      }
      if (stageResult(outcome.stages, "build") === "success") return `Built ${at}.`;
      return `The run for ${at} succeeded.`;
    }
    case "failure": {
      const stage = outcome.stages.find((s) => s.result === "failure");
      if (stage?.result !== "failure") return `The run for ${at} failed.`;
      const failed = `The ${stage.stage} stage failed for ${at}`;
      return stage.reason.trim() === "" ? `${failed}.` : `${failed}: ${prose(stage.reason)}`;
    }
    case "timed_out": {
      const stage = outcome.stages.find((s) => s.result === "timed_out");
      if (stage?.result !== "timed_out") return `The run for ${at} timed out.`;
      return `The ${stage.stage} stage for ${at} timed out after ${formatDuration(stage.timeoutMs)}.`;
    }
    case "cancelled": {
      const cancelled = `The run for ${at} was cancelled`;
      const reason = outcome.cancelReason ?? "";
      return reason.trim() === "" ? `${cancelled}.` : `${cancelled}: ${prose(reason)}`;
    }
    case "skipped": {
      const reason = skipReason(outcome);
      return reason === ""
        ? `Nothing was done for ${at}.`
        : `Nothing was done for ${at}: ${prose(reason)}`;
    }
  }
}

function artifactLines(outcome: RunOutcome, secrets: readonly string[]): string[] {
  const lines: string[] = [];
  if (outcome.image !== undefined) {
    lines.push(`**Image:** ${inlineCode(redact(outcome.image, secrets))}`);
  }
  if (outcome.previewUrl !== undefined) {
    lines.push(`**Preview:** ${link(redact(outcome.previewUrl, secrets))}`);
  }
  return lines;
}

/** The failing stage's log tail in a code block, or undefined when there is nothing to show. */
function failureLog(outcome: RunOutcome, secrets: readonly string[]): string | undefined {
  // Only a failed stage carries a log; a timed-out one has nothing but its limit to show.
  const stage = outcome.stages.find((s) => s.result === "failure");
  if (stage?.result !== "failure" || stage.log === undefined) return undefined;
  // Strip colours before redacting: an escape code inside a secret would hide it from the match.
  const log = redact(stripAnsi(stage.log), secrets);
  if (log.trim() === "") return undefined;
  const heading = `### ${STAGE_LABEL[stage.stage]} failed\n\nThe last lines of its log:\n\n`;
  // Two fences, the newline after the opening one and the one added before the closing one.
  const room = CHECK_RUN_TEXT_LIMIT - heading.length - 2 * fenceLength(log) - 2;
  return heading + fencedBlock(capTail(log, Math.max(0, room)));
}

function branchAt(branch: string, sha: string, secrets: readonly string[]): string {
  return `${inlineCode(redact(branch, secrets))} at ${inlineCode(sha.slice(0, 7))}`;
}

function commitLine(sha: string): string {
  return `**Commit:** ${inlineCode(sha)}`;
}

/** An autolink for web URLs; anything else is shown as code rather than trusted as a link. */
function link(url: string): string {
  if (!URL.canParse(url)) return inlineCode(url);
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return inlineCode(url);
  // The serialised URL percent-encodes spaces and angle brackets, so it cannot end the autolink.
  return `<${parsed.href}>`;
}

function stageResult(
  stages: readonly StageOutcome[],
  name: StageName,
): StageOutcome["result"] | undefined {
  return stages.find((s) => s.stage === name)?.result;
}

function withDetail(prefix: string, detail: string): string {
  const short = shorten(detail, TITLE_MAX - `${prefix}: `.length);
  return short === "" ? prefix : `${prefix}: ${short}`;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/).find((line) => line.trim() !== "") ?? "";
}

function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

/** Masks once more after assembly (pieces can join into a secret) and makes the title fit. */
function finishTitle(title: string, secrets: readonly string[]): string {
  return shorten(redact(title, secrets), TITLE_MAX);
}

function finishMarkdown(markdown: string, secrets: readonly string[]): string {
  return capText(redact(markdown, secrets));
}
