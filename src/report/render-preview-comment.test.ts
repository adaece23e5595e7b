import { describe, expect, it } from "vitest";
import { PREVIEW_COMMENT_MARKER, renderPreviewComment } from "./render-preview-comment.ts";

const sha = "0123456789abcdef0123456789abcdef01234567";

describe("the pull-request comment", () => {
  it("shows the preview URL, the commit, the state and the check run", () => {
    const body = renderPreviewComment({
      branch: "feature/cart",
      status: {
        sha,
        conclusion: "success",
        previewUrl: "https://x--shop.preview.test",
        checkRunUrl: "https://github.com/acme/shop/runs/9",
      },
      closed: false,
    });
    expect(body.startsWith(PREVIEW_COMMENT_MARKER)).toBe(true);
    expect(body).toContain("`feature/cart`");
    expect(body).toContain("| **Preview** | https://x--shop.preview.test |");
    expect(body).toContain("`0123456`");
    expect(body).toContain("✅ Ready");
    expect(body).toContain("[details](https://github.com/acme/shop/runs/9)");
    expect(body).not.toContain("closed");
  });

  it.each([
    ["failure", "❌ Failed"],
    ["timed_out", "⌛ Timed out"],
    ["torn_down", "🧹 Torn down"],
  ] as const)("hides the URL of a %s run", (conclusion, state) => {
    const body = renderPreviewComment({
      branch: "b",
      status: { sha, conclusion, previewUrl: "https://old.preview.test" },
      closed: false,
    });
    expect(body).toContain(state);
    expect(body).not.toContain("https://old.preview.test");
  });

  it("says when nothing finished yet, and when the pull request is closed", () => {
    const body = renderPreviewComment({ branch: "b", status: undefined, closed: true });
    expect(body).toContain("No build of this branch has finished yet");
    expect(body).toContain("This pull request is closed");
  });

  it("keeps a hostile branch name inside its code span", () => {
    const body = renderPreviewComment({
      branch: "x`<img src=y>`",
      status: undefined,
      closed: false,
    });
    expect(body).toContain("`` x`<img src=y>` ``");
  });
});
