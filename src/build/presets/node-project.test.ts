import { describe, expect, it } from "vitest";
import { parseRepoConfig } from "../../config/repo-config.ts";
import { readNodeProject } from "./node-project.ts";

const parsed = parseRepoConfig(undefined);
if (!parsed.ok) throw new Error("defaults must parse");
const config = parsed.config;

function read(tree: Record<string, string>) {
  return readNodeProject({
    files: new Set(Object.keys(tree)),
    read: (p) => tree[p],
    config,
    context: ".",
  });
}

describe("readNodeProject", () => {
  it.each<[string, Record<string, string>, string, string | undefined, boolean]>([
    ["npm", { "package-lock.json": "" }, "npm", "package-lock.json", false],
    ["pnpm", { "pnpm-lock.yaml": "" }, "pnpm", "pnpm-lock.yaml", false],
    ["yarn classic", { "yarn.lock": "" }, "yarn", "yarn.lock", false],
    [
      "yarn berry by .yarnrc.yml",
      { "yarn.lock": "", ".yarnrc.yml": "" },
      "yarn",
      "yarn.lock",
      true,
    ],
    ["no lockfile", {}, "npm", undefined, false],
  ])("%s", (_, extra, manager, lockfile, yarnBerry) => {
    const result = read({ "package.json": "{}", ...extra });
    expect(result).toMatchObject({ ok: true, project: { manager, lockfile, yarnBerry } });
  });

  it("follows packageManager when several lockfiles are committed, and says so", () => {
    const result = read({
      "package.json": JSON.stringify({ packageManager: "yarn@1.22.22" }),
      "package-lock.json": "",
      "yarn.lock": "",
    });
    expect(result).toMatchObject({
      ok: true,
      project: {
        manager: "yarn",
        notes: ["Several lockfiles (yarn.lock, package-lock.json); using yarn.lock."],
      },
    });
  });

  it("keeps string scripts and dependency names, ignoring malformed fields", () => {
    const result = read({
      "package.json": JSON.stringify({
        scripts: { start: "node .", weird: 42 },
        dependencies: { express: "4" },
        devDependencies: ["not", "a", "record"],
      }),
    });
    if (!result.ok) throw new Error(result.reason);
    expect([...result.project.scripts]).toEqual([["start", "node ."]]);
    expect([...result.project.dependencies]).toEqual(["express"]);
  });

  it.each([["[]"], ["null"], ['"text"'], ["{"]])("rejects package.json %s", (text) => {
    expect(read({ "package.json": text })).toMatchObject({
      ok: false,
      reason: "package.json is not a JSON object",
    });
  });

  it("treats an unreadable package.json as missing", () => {
    const result = readNodeProject({
      files: new Set(["package.json"]),
      read: () => undefined,
      config,
      context: "web",
    });
    expect(result).toMatchObject({ ok: false, reason: "No package.json in `web`" });
  });
});
