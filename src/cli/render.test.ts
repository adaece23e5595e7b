import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { checkRestricted } from "../deploy/pod-security.ts";
import { renderCommand } from "./render.ts";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const IMAGE = `registry.test/acme/web@sha256:${"ab".repeat(32)}`;
const ARGS = [
  "render",
  "--installation",
  "42",
  "--repo",
  "acme/web",
  "--repo-id",
  "1001",
  "--branch",
  "feature/login",
  "--sha",
  SHA,
  "--image",
  IMAGE,
];

interface Rendered {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString("utf8"));
      callback();
    },
  });
  return { stream, text: () => chunks.join("") };
}

async function run(argv: string[], env: Record<string, string | undefined> = {}) {
  const out = sink();
  const err = sink();
  const code = await renderCommand(argv, env, out.stream, err.stream);
  const objects = parseAllDocuments(out.text()).map((doc) => doc.toJS() as Rendered);
  return { code, objects, stdout: out.text(), stderr: err.text() };
}

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "slipway-render-"));
  const path = join(dir, ".slipway.yml");
  await writeFile(path, text);
  return path;
}

describe("slipway render", () => {
  it("prints the tenant and branch objects as a YAML stream", async () => {
    const { code, objects, stderr } = await run(ARGS, { SLIPWAY_BASE_DOMAIN: "preview.test" });
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(objects.map((object) => object.kind)).toEqual([
      "Namespace",
      "ResourceQuota",
      "LimitRange",
      "NetworkPolicy",
      "NetworkPolicy",
      "NetworkPolicy",
      "Deployment",
      "Service",
      "Ingress",
    ]);
    expect(objects[0]?.metadata.name).toBe("slipway-42");
    for (const object of objects.slice(1)) expect(object.metadata.namespace).toBe("slipway-42");
    const deployment = objects.find((object) => object.kind === "Deployment");
    const template = (
      deployment?.spec as { template: { spec: Parameters<typeof checkRestricted>[0] } }
    ).template;
    expect(template.spec.runtimeClassName).toBe("kata-fc");
    expect(template.spec.containers[0]?.image).toBe(IMAGE);
    expect(checkRestricted(template.spec)).toEqual([]);
    expect(deployment?.metadata.labels).toMatchObject({
      "slipway.dev/repository": "1001",
      "slipway.dev/sha": SHA,
    });
  });

  it("takes settings from the environment and the app from .slipway.yml", async () => {
    const config = await configFile("port: 3000\negress: internet\nresources:\n  memory: 1Gi\n");
    const { code, objects } = await run([...ARGS, "--config", config], {
      SLIPWAY_RUNTIME_CLASS: "kata-qemu",
    });
    expect(code).toBe(0);
    expect(objects.map((object) => object.kind)).not.toContain("Ingress");
    const policies = objects.filter((object) => object.kind === "NetworkPolicy");
    expect(policies.at(-1)?.metadata.name).toMatch(/-egress-internet$/);
    const spec = objects.find((object) => object.kind === "Deployment")?.spec as {
      template: { spec: { runtimeClassName: string; containers: Array<Record<string, unknown>> } };
    };
    expect(spec.template.spec.runtimeClassName).toBe("kata-qemu");
    expect(spec.template.spec.containers[0]).toMatchObject({
      ports: [{ containerPort: 3000 }],
      resources: { limits: { memory: "1Gi" }, requests: { memory: "1Gi" } },
    });
  });

  it("notes the repository id it assumed", async () => {
    const { code, stderr } = await run(ARGS.filter((arg) => arg !== "--repo-id" && arg !== "1001"));
    expect(code).toBe(0);
    expect(stderr).toContain("--repo-id not given");
  });

  it.each([
    ["a short sha", ["--sha", "abc123"], "--sha must be 40 hex characters"],
    ["a missing image", ["--image"], "--image needs a value"],
    ["a tag instead of a digest", ["--image", "registry.test/acme/web:latest"], "--image "],
    [
      "an installation id that is not a number",
      ["--installation", "acme"],
      "--installation must be a positive integer",
    ],
    ["a repository without owner", ["--repo", "web"], "--repo must be <owner>/<name>"],
    ["a bad repository id", ["--repo-id", "0"], "--repo-id must be a positive integer"],
    ["an unknown option", ["--namespace", "x"], "unknown option --namespace"],
    [
      "an unreadable config",
      ["--config", "/nonexistent/.slipway.yml"],
      "--config: cannot read /nonexistent/.slipway.yml (ENOENT)",
    ],
  ])("exits 2 for %s, naming the argument", async (_case, override, message) => {
    const argv = [...ARGS];
    const [flag] = override;
    const index = argv.indexOf(flag ?? "");
    if (index === -1) argv.push(...override);
    else argv.splice(index, 2, ...override);
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(message);
  });

  it("exits 2 naming every missing argument", async () => {
    const { code, stderr } = await run(["render"]);
    expect(code).toBe(2);
    for (const flag of ["--installation", "--repo", "--branch", "--sha", "--image"]) {
      expect(stderr).toContain(`${flag} is required`);
    }
  });

  it("exits 2 for an invalid environment variable", async () => {
    const { code, stderr } = await run(ARGS, { SLIPWAY_BASE_DOMAIN: "not a domain" });
    expect(code).toBe(2);
    expect(stderr).toContain("SLIPWAY_BASE_DOMAIN: must be a DNS domain");
  });

  it("exits 1 with the problems of an invalid .slipway.yml", async () => {
    const config = await configFile("port: nope\negress: sometimes\n");
    const { code, stdout, stderr } = await run([...ARGS, "--config", config]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      '.slipway.yml:1: port: must be a whole number from 1 to 65535 (got "nope")',
    );
    expect(stderr).toContain('.slipway.yml:2: egress: must be "none" or "internet"');
  });

  it("exits 1 when .slipway.yml asks for more than a container may have", async () => {
    const config = await configFile("resources:\n  cpu: 3\n");
    const { code, stderr } = await run([...ARGS, "--config", config]);
    expect(code).toBe(1);
    expect(stderr).toContain("resources.cpu: 3 is more than the 2 CPU");
  });

  it.each([
    [["render", "--help"], 0],
    [["--help"], 0],
    [[], 2],
    [["deploy"], 2],
  ])("prints the usage for %j and exits %d", async (argv, code) => {
    const result = await run(argv);
    expect(result.code).toBe(code);
    expect(result.stdout + result.stderr).toContain("Usage: slipway render");
  });
});

describe("slipway render with SLIPWAY_BUILD_ENGINE=kubernetes", () => {
  const ENGINE_ENV = {
    SLIPWAY_BUILD_ENGINE: "kubernetes",
    SLIPWAY_ENGINE_IMAGE: `registry.dagger.io/engine:v0.21.9@sha256:${"cd".repeat(32)}`,
    SLIPWAY_ENGINE_CACHE_SIZE: "40Gi",
    SLIPWAY_CLUSTER_CIDRS: "10.42.0.0/16,10.43.0.0/16",
  };

  it("also prints the tenant's build engine: its namespace, network policy and StatefulSet", async () => {
    const { code, objects, stderr } = await run(ARGS, ENGINE_ENV);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    const engine = objects.filter(
      (o) => o.metadata.name === "slipway-42-build" || o.metadata.namespace === "slipway-42-build",
    );
    expect(engine.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/slipway-42-build",
      "NetworkPolicy/engine-isolation",
      "StatefulSet/dagger-engine",
    ]);
    const statefulSet = engine[2] as unknown as {
      spec: {
        template: { spec: { runtimeClassName: string; containers: Array<{ image: string }> } };
        volumeClaimTemplates: Array<{ spec: { resources: { requests: { storage: string } } } }>;
      };
    };
    expect(statefulSet.spec.template.spec.runtimeClassName).toBe("kata-qemu");
    expect(statefulSet.spec.template.spec.containers[0]?.image).toBe(
      ENGINE_ENV.SLIPWAY_ENGINE_IMAGE,
    );
    expect(statefulSet.spec.volumeClaimTemplates[0]?.spec.resources.requests.storage).toBe("40Gi");
    // The app's namespace is unchanged: still `restricted`, and the only privileged pod is the engine.
    expect(objects[0]?.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const privileged = objects.filter((o) => JSON.stringify(o).includes('"privileged":true'));
    expect(privileged.map((o) => o.kind)).toEqual(["StatefulSet"]);
  });

  it("prints no engine objects in session mode (the default)", async () => {
    const { objects } = await run(ARGS);
    expect(objects.some((o) => o.metadata.name === "slipway-42-build")).toBe(false);
  });

  it.each([
    [{ SLIPWAY_BUILD_ENGINE: "kubernetes" }, /SLIPWAY_ENGINE_IMAGE: required/],
    [
      {
        SLIPWAY_BUILD_ENGINE: "kubernetes",
        SLIPWAY_ENGINE_IMAGE: "registry.dagger.io/engine:v0.21.9",
      },
      /SLIPWAY_ENGINE_IMAGE: must be the Dagger engine image pinned by digest/,
    ],
  ])("exits 2 for an engine it cannot render (%j)", async (env, message) => {
    const { code, stderr } = await run(ARGS, env);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
