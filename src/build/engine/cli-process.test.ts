import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSessionHome, freeLoopbackPort, kubeconfigFor, signalGroup } from "./cli-process.ts";

describe("the Dagger CLI's process helpers", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "slipway-cli-process-"));
    await mkdir(join(root, "dev", ".kube"), { recursive: true });
    await writeFile(join(root, "dev", ".kube", "config"), "{}");
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("creates a private home with its own tmp and XDG directories, and removes it", async () => {
    const home = await createSessionHome(root);
    for (const dir of [
      home.home,
      home.env.TMPDIR,
      home.env.XDG_CACHE_HOME,
      home.env.XDG_CONFIG_HOME,
    ]) {
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect(dir.startsWith(home.home)).toBe(true);
    }
    expect(home.env.HOME).toBe(home.home);
    await home.remove();
    await expect(stat(home.home)).rejects.toThrow(/ENOENT/);
  });

  it.each([
    ["KUBECONFIG as given", { KUBECONFIG: "/etc/kube.yaml", HOME: "/x" }, "/etc/kube.yaml"],
    ["the worker's ~/.kube/config when it exists", { HOME: "dev" }, join("dev", ".kube", "config")],
    ["nothing when there is none (in-cluster ServiceAccount)", { HOME: "nowhere" }, undefined],
    ["nothing without a HOME", {}, undefined],
  ] as const)("points kubectl at %s", (_case, env, expected) => {
    const resolved = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, k === "HOME" ? join(root, v) : v]),
    );
    const want = expected?.startsWith("dev") === true ? join(root, expected) : expected;
    expect(kubeconfigFor(resolved)["KUBECONFIG"]).toBe(want);
  });

  it("finds a free loopback port", async () => {
    const port = await freeLoopbackPort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
  });

  it("treats a process group that is gone as done", () => {
    // 2^22 is above Linux's largest pid: no such group.
    expect(() => {
      signalGroup(4_194_304, "SIGTERM");
    }).not.toThrow();
  });
});
