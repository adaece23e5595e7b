import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RenderInputError } from "./manifests/render-input-error.ts";
import { branchName, labelValue, namespaceFor, previewHost, resourceName, slug } from "./names.ts";

// Kubernetes' own validation rules (k8s.io/apimachinery/pkg/util/validation).
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function isDns1035(name: string, max = 63): boolean {
  return name.length <= max && DNS_1035_LABEL.test(name);
}

function isHost(host: string): boolean {
  return (
    host.length <= 253 &&
    host.split(".").every((label) => label.length <= 63 && DNS_1123_LABEL.test(label))
  );
}

function sha16(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 16);
}

const LONG_UNICODE = "Ünïcödé-ブランチ-🚀-".repeat(20).slice(0, 200);

const NASTY_BRANCHES: [string, string][] = [
  ["plain", "main"],
  ["a slash", "feature/x"],
  ["a hyphen", "feature-x"],
  ["capitals", "Feature/X"],
  ["dots", "release/1.2.3"],
  ["only capitals", "HOTFIX"],
  ["accents", "ünïcödé"],
  ["CJK only", "日本語ブランチ"],
  ["emoji and text", "🚀-launch"],
  ["emoji only", "🔥🔥🔥"],
  ["a family emoji", "👨‍👩‍👧"],
  ["empty", ""],
  ["hyphens only", "---"],
  ["dots only", "..."],
  ["a leading digit", "123-fix"],
  ["digits only", "2024"],
  ["leading and trailing hyphens", "-x-"],
  ["whitespace and control characters", "with space\tand\nnewline\u0000"],
  ["a ligature", "ﬁle"],
  ["fullwidth letters", "Ｆｕｌｌｗｉｄｔｈ"],
  ["a dotted capital I", "İstanbul"],
  ["a sharp s", "straße"],
  ["deep nesting", "a/b/c/d/e/f/g/h"],
  ["200 ASCII characters", "x".repeat(200)],
  ["200 characters of unicode", LONG_UNICODE],
  ["a hyphen at the truncation point", `${"a".repeat(30)}-${"b".repeat(30)}`],
  ["bidi override", "safe\u202eevil"],
];

describe("slug", () => {
  it.each([
    ["capitals and a slash", "Feature/X", 63, "feature-x"],
    ["accents", "Ünïcödé", 63, "unicode"],
    ["a sharp s (no NFKD mapping)", "straße", 63, "strae"],
    ["CJK", "日本語", 63, ""],
    ["emoji", "🚀 launch 🚀", 63, "launch"],
    ["an emoji between words", "emoji🚀launch", 63, "emoji-launch"],
    ["CJK between words", "fix-バグ-now", 63, "fix-now"],
    ["a ligature", "ﬁle", 63, "file"],
    ["fullwidth", "Ｆｕｌｌ", 63, "full"],
    ["runs of separators", "a--b__c..d", 63, "a-b-c-d"],
    ["truncation", "abcdef", 3, "abc"],
    ["a hyphen at the cut", "ab-cd", 3, "ab"],
    ["no room", "abc", 0, ""],
  ])("slugs %s", (_case, text, max, expected) => {
    expect(slug(text, max)).toBe(expected);
  });
});

describe("branchName", () => {
  it.each(NASTY_BRANCHES)("is a DNS-1035 label of ≤ 40 for %s", (_case, branch) => {
    const name = branchName(branch);
    expect(isDns1035(name, 40), name).toBe(true);
    expect(name).toMatch(new RegExp(`-${sha16(branch)}$`));
    expect(branchName(branch)).toBe(name);
  });

  it.each([
    ["main", `main-${sha16("main")}`],
    ["feature/x", `feature-x-${sha16("feature/x")}`],
    ["123-fix", `b-123-fix-${sha16("123-fix")}`],
    ["🔥", `b-${sha16("🔥")}`],
    ["x".repeat(200), `${"x".repeat(23)}-${sha16("x".repeat(200))}`],
  ])("names %j", (branch, expected) => {
    expect(branchName(branch)).toBe(expected);
  });

  it("keeps branches that slug alike apart", () => {
    const alike = ["feature/x", "feature-x", "Feature/X", "feature_x", "feature.x", "feature x"];
    expect(new Set(alike.map(branchName)).size).toBe(alike.length);
  });
});

describe("namespaceFor", () => {
  it("names the tenant namespace after the installation", () => {
    expect(namespaceFor(42)).toBe("slipway-42");
  });

  it.each([0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])(
    "refuses installation id %d",
    (id) => {
      expect(() => namespaceFor(id)).toThrow(RenderInputError);
    },
  );
});

describe("resourceName", () => {
  it.each(NASTY_BRANCHES)("is a DNS-1035 label of ≤ 47 for %s", (_case, branch) => {
    for (const repo of ["app", "123-numbers", "_", "a".repeat(100)]) {
      const name = resourceName({ repoId: 7, repo, branch });
      expect(isDns1035(name, 47), name).toBe(true);
      expect(name).toMatch(new RegExp(`-${sha16(`7:${branch}`)}$`));
      expect(resourceName({ repoId: 7, repo, branch })).toBe(name);
    }
  });

  it.each([
    [{ repoId: 1, repo: "web", branch: "main" }, `web-main-${sha16("1:main")}`],
    [{ repoId: 1, repo: "Web.App", branch: "feat/X" }, `web-app-feat-x-${sha16("1:feat/X")}`],
    [{ repoId: 2, repo: "9lives", branch: "main" }, `r-9lives-main-${sha16("2:main")}`],
    [{ repoId: 3, repo: "_", branch: "🔥" }, `r-${sha16("3:🔥")}`],
  ])("names %j", (target, expected) => {
    expect(resourceName(target)).toBe(expected);
  });

  it("shares the room between a long repository and a long branch", () => {
    const name = resourceName({ repoId: 1, repo: "r".repeat(60), branch: "b".repeat(60) });
    expect(name).toBe(`${"r".repeat(14)}-${"b".repeat(15)}-${sha16(`1:${"b".repeat(60)}`)}`);
  });

  it("tells repositories apart by id, not by name", () => {
    const before = resourceName({ repoId: 1, repo: "app", branch: "main" });
    const reused = resourceName({ repoId: 2, repo: "app", branch: "main" });
    expect(reused).not.toBe(before);
  });
});

describe("previewHost", () => {
  it.each(NASTY_BRANCHES)("is a valid host for %s", (_case, branch) => {
    for (const repo of ["app", "_", "r".repeat(100)]) {
      const host = previewHost({ repoId: 7, repo, branch, baseDomain: "preview.example.com" });
      expect(isHost(host), host).toBe(true);
      expect(host).toMatch(/^[a-z0-9-]+--[a-z0-9-]+\.preview\.example\.com$/);
      expect(host).toContain(sha16(`7:${branch}`));
    }
  });

  it.each([
    [{ repoId: 1, repo: "web", branch: "main" }, `main-${sha16("1:main")}--web.example.com`],
    [
      { repoId: 1, repo: "Web", branch: "Feature/X" },
      `feature-x-${sha16("1:Feature/X")}--web.example.com`,
    ],
    [{ repoId: 1, repo: "_", branch: "🔥" }, `${sha16("1:🔥")}--repo.example.com`],
  ])("names %j", (target, expected) => {
    expect(previewHost({ ...target, baseDomain: "example.com" })).toBe(expected);
  });

  it("lower-cases the base domain", () => {
    expect(previewHost({ repoId: 1, repo: "a", branch: "b", baseDomain: "Example.COM" })).toMatch(
      /\.example\.com$/,
    );
  });

  it("stays within 253 characters under the longest base domain it accepts", () => {
    const baseDomain = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(61)}`;
    expect(baseDomain).toHaveLength(189);
    const host = previewHost({ repoId: 1, repo: "r".repeat(99), branch: LONG_UNICODE, baseDomain });
    expect(host.length).toBeLessThanOrEqual(253);
    expect(isHost(host)).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["an empty label", "example..com"],
    ["a leading hyphen", "-bad.example.com"],
    ["an underscore", "exa_mple.com"],
    ["a 64-character label", `${"a".repeat(64)}.com`],
    ["a trailing dot", "example.com."],
    ["a URL", "https://example.com"],
    ["no room for the preview label", ["a", "b", "c", "d"].map((c) => c.repeat(47)).join(".")],
  ])("refuses a base domain with %s", (_case, baseDomain) => {
    const render = () => previewHost({ repoId: 1, repo: "a", branch: "b", baseDomain });
    expect(render).toThrow(RenderInputError);
    expect(render).toThrow(/^baseDomain: /);
  });
});

describe("labelValue", () => {
  it.each([
    ["main", "main"],
    ["feature/x", "feature-x"],
    ["Release_1.2", "Release_1.2"],
    ["-._x._-", "x"],
    ["Über", "Uber"],
    ["🚀", ""],
    ["", ""],
    ["0123456789abcdef0123456789abcdef01234567", "0123456789abcdef0123456789abcdef01234567"],
  ])("makes %j the label value %j", (text, expected) => {
    expect(labelValue(text)).toBe(expected);
  });

  it.each(NASTY_BRANCHES)("is valid for %s", (_case, text) => {
    const value = labelValue(text);
    expect(value.length).toBeLessThanOrEqual(63);
    expect(value).toMatch(LABEL_VALUE);
  });
});

describe("many similar branches", () => {
  // Every capitalisation of one branch: 1,024 names with the very same slug.
  const alike = Array.from({ length: 1000 }, (_, i) =>
    Array.from("feature/abcdefghij", (char, at) =>
      at >= 8 && (i >> (at - 8)) & 1 ? char.toUpperCase() : char,
    ).join(""),
  );
  // Long names that differ only past the point where the slug is cut.
  const long = Array.from({ length: 1000 }, (_, i) => `release/${"x".repeat(200)}/${i}`);

  it.each([
    ["differing only in case", alike],
    ["differing only past the slug's cut", long],
  ])("get distinct names when %s", (_case, branches) => {
    expect(new Set(branches).size).toBe(1000);
    const target = (branch: string) => ({ repoId: 1, repo: "app", branch });
    expect(new Set(branches.map(branchName)).size).toBe(1000);
    expect(new Set(branches.map((b) => resourceName(target(b)))).size).toBe(1000);
    expect(
      new Set(branches.map((b) => previewHost({ ...target(b), baseDomain: "example.com" }))).size,
    ).toBe(1000);
  });
});

describe("properties", () => {
  it("makes valid names and values from any text", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 300 }),
        fc.string({ unit: "binary", maxLength: 120 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        (branch, repo, repoId) => {
          expect(isDns1035(branchName(branch), 40)).toBe(true);
          expect(isDns1035(resourceName({ repoId, repo, branch }), 47)).toBe(true);
          expect(isHost(previewHost({ repoId, repo, branch, baseDomain: "example.com" }))).toBe(
            true,
          );
          const value = labelValue(branch);
          expect(value.length <= 63 && LABEL_VALUE.test(value)).toBe(true);
        },
      ),
    );
  });

  it("gives different branches different names", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 80 }),
        fc.string({ unit: "grapheme", maxLength: 80 }),
        (a, b) => {
          fc.pre(a !== b);
          expect(branchName(a)).not.toBe(branchName(b));
        },
      ),
    );
  });
});
