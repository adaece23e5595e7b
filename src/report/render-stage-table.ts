import { escapeMarkdown } from "./escape-markdown.ts";
import { formatDuration } from "./format-duration.ts";
import type { StageName, StageOutcome } from "./outcome.ts";
import { redact } from "./redact.ts";
import { shorten } from "./shorten.ts";
import { STAGE_LABEL } from "./stage-label.ts";

/** Long enough for any real skip reason or detail, short enough to keep the table readable. */
const CELL_TEXT_MAX = 300;

/**
 * A markdown table with one row per finished stage, plus a row for the stage now running.
 * User-supplied text is redacted, made one line and escaped, so it can neither leak a secret nor
 * add a cell.
 */
export function renderStageTable(
  stages: readonly StageOutcome[],
  secrets: readonly string[],
  running?: StageName,
): string {
  const cellText = (text: string) => escapeMarkdown(shorten(redact(text, secrets), CELL_TEXT_MAX));
  const rows = stages.map((stage) => {
    const label = STAGE_LABEL[stage.stage];
    switch (stage.result) {
      case "success": {
        const detail = stage.detail ? `: ${cellText(stage.detail)}` : "";
        return row(label, `✅ Success${detail}`, formatDuration(stage.durationMs));
      }
      case "failure":
        return row(label, "❌ Failure", formatDuration(stage.durationMs));
      case "timed_out":
        return row(
          label,
          `⏱️ Timed out (limit ${formatDuration(stage.timeoutMs)})`,
          formatDuration(stage.durationMs),
        );
      case "cancelled":
        return row(label, "🚫 Cancelled", formatDuration(stage.durationMs));
      case "skipped": {
        const reason = cellText(stage.reason);
        return row(label, reason === "" ? "⏭️ Skipped" : `⏭️ Skipped: ${reason}`, "—");
      }
    }
  });
  if (running !== undefined) rows.push(row(STAGE_LABEL[running], "⏳ Running", "—"));
  return ["| Stage | Result | Duration |", "| --- | --- | --- |", ...rows].join("\n");
}

function row(...cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}
