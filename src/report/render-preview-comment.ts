import type { Conclusion } from "./outcome.ts";
import { inlineCode } from "./inline-code.ts";

/** Finds Slipway's comment again on a pull request; invisible when GitHub renders it. */
export const PREVIEW_COMMENT_MARKER = "<!-- slipway:preview -->";

/** The last concluded run of a branch, as its pull request's comment shows it. */
export interface BranchStatus {
  sha: string;
  /** `torn_down`: the preview was removed (the "Tear down" button). */
  conclusion: Conclusion | "torn_down";
  previewUrl?: string;
  checkRunUrl?: string;
}

const STATE: Record<BranchStatus["conclusion"], string> = {
  success: "✅ Ready",
  failure: "❌ Failed",
  cancelled: "⏹️ Cancelled",
  timed_out: "⌛ Timed out",
  skipped: "⏭️ Not deployed (skipped)",
  torn_down: "🧹 Torn down",
};

/**
 * The one comment Slipway keeps on a pull request: preview URL, commit, state and check-run link
 * of the branch's latest concluded run. Pure; the marker lets Slipway find and edit it in place.
 */
export function renderPreviewComment(input: {
  branch: string;
  status: BranchStatus | undefined;
  closed: boolean;
}): string {
  const { branch, status, closed } = input;
  const lines = [PREVIEW_COMMENT_MARKER, `### Slipway preview of ${inlineCode(branch)}`, ""];
  if (status === undefined) {
    lines.push("No build of this branch has finished yet. This comment updates when one does.");
  } else {
    const preview =
      status.conclusion === "success" && status.previewUrl !== undefined ? status.previewUrl : "—";
    const check = status.checkRunUrl === undefined ? "—" : `[details](${status.checkRunUrl})`;
    lines.push(
      "| | |",
      "| --- | --- |",
      `| **Preview** | ${preview} |`,
      `| **Commit** | ${inlineCode(status.sha.slice(0, 7))} |`,
      `| **State** | ${STATE[status.conclusion]} |`,
      `| **Check run** | ${check} |`,
    );
  }
  if (closed) {
    lines.push(
      "",
      "This pull request is closed. The preview stays up until the branch is deleted or torn down.",
    );
  }
  return lines.join("\n");
}
