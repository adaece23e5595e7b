import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RuntimeClass } from "kubernetes-models/node.k8s.io/v1/RuntimeClass";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EnvSchema, parseEnv } from "../../src/config/env.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const COMPOSE_FILE = "docker-compose.yml";

/** Variables the setup page writes to .env, or that hold secrets: never set in the file. */
const NOT_IN_COMPOSE = [
  "APP_ID",
  "PRIVATE_KEY",
  "PRIVATE_KEY_PATH",
  "WEBHOOK_SECRET",
  "WEBHOOK_PROXY_URL",
  "DAGGER_SESSION_TOKEN",
  "SLIPWAY_REGISTRY_PASSWORD",
];

const Service = z
  .object({
    image: z.string().optional(),
    build: z.unknown().optional(),
    command: z.union([z.string(), z.array(z.string())]).optional(),
    environment: z.record(z.string(), z.string()).optional(),
    volumes: z.array(z.string()).optional(),
  })
  .loose();
const ComposeFile = z.object({ services: z.record(z.string(), Service) }).loose();
const PackageJson = z.object({ dependencies: z.record(z.string(), z.string()) }).loose();

interface Compose {
  name: string;
  args: string[];
}

/** The Compose implementations on this machine: the Docker CLI plugin, Debian's docker-compose. */
function composeImplementations(): Compose[] {
  const candidates: Compose[] = [
    { name: "docker compose", args: ["docker", "compose"] },
    { name: "docker-compose", args: ["docker-compose"] },
  ];
  return candidates.filter(({ args: [command = "", ...rest] }) => {
    const probe = spawnSync(command, [...rest, "version"], { encoding: "utf8" });
    return probe.error === undefined && probe.status === 0;
  });
}

function readCompose() {
  return ComposeFile.parse(parse(readFileSync(join(ROOT, COMPOSE_FILE), "utf8")));
}

function service(name: string) {
  const found = readCompose().services[name];
  if (found === undefined) throw new Error(`${COMPOSE_FILE} has no service ${name}`);
  return found;
}

/** `${NAME:-default}` as Compose substitutes it when NAME is unset. */
function withDefaults(value: string): string {
  return value.replace(/\$\{\w+:-([^}]*)\}/g, "$1");
}

/** Bind mounts (`./path:/in/container[:mode]`) as [host path, container path]. */
function bindMounts(volumes: string[] | undefined): Array<[string, string]> {
  return (volumes ?? [])
    .filter((volume) => volume.startsWith("./"))
    .map((volume) => {
      const [host = "", container = ""] = volume.split(":");
      return [host, container];
    });
}

describe(COMPOSE_FILE, () => {
  it("passes `docker compose config`", () => {
    const implementations = composeImplementations();
    if (implementations.length === 0) {
      expect.fail(
        "Neither `docker compose` (the Docker CLI plugin) nor `docker-compose` (Debian's " +
          "docker-compose package, 1.29) is installed, so the compose file cannot be checked. " +
          ".ci/run installs docker-compose; locally: sudo apt-get install -y docker-compose",
      );
    }
    for (const { name, args } of implementations) {
      const [command = "", ...rest] = args;
      const result = spawnSync(command, [...rest, "-f", COMPOSE_FILE, "config", "-q"], {
        cwd: ROOT,
        encoding: "utf8",
      });
      expect(result.status, `${name} config:\n${result.stderr}`).toBe(0);
    }
  });

  it("pins every image to a version; the Dagger engine to the SDK's", () => {
    const { services } = readCompose();
    for (const [name, { image, build }] of Object.entries(services)) {
      if (build !== undefined) continue;
      expect(image, name).toMatch(/^[^:@]+(:[^:@]+)$/);
      expect(image, name).not.toMatch(/:(latest|stable)$/);
    }
    const packageJson = PackageJson.parse(
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")),
    );
    const sdk = packageJson.dependencies["@dagger.io/dagger"];
    expect(service("dagger-engine").image).toBe(`registry.dagger.io/engine:v${sdk ?? "?"}`);
    expect(service("k3s").image).toMatch(/^rancher\/k3s:v\d+\.\d+\.\d+-k3s\d+$/);
    expect(service("redis").command).toEqual(expect.arrayContaining(["--appendonly", "yes"]));
  });

  it("mounts only files that exist", () => {
    const { services } = readCompose();
    const missing = Object.values(services)
      .flatMap((entry) => bindMounts(entry.volumes))
      .map(([host]) => host)
      .filter((host) => !existsSync(join(ROOT, host)));
    expect(missing).toEqual([]);
  });

  it("builds Slipway from the Dockerfile with an environment Slipway accepts, and no secrets", () => {
    const slipway = service("slipway");
    expect(slipway.build).toBe(".");
    const env = Object.fromEntries(
      Object.entries(slipway.environment ?? {}).map(([name, value]) => [name, withDefaults(value)]),
    );
    const known = new Set([...Object.keys(EnvSchema.shape), "KUBECONFIG"]);
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    expect(Object.keys(env).filter((name) => NOT_IN_COMPOSE.includes(name))).toEqual([]);
    const config = parseEnv(env);
    expect(config.production).toBe(false);
    expect(config.redis.url).toBe("redis://redis:6379");
  });

  it("wires Slipway to this stack's registry, cluster and development RuntimeClass", () => {
    const env = service("slipway").environment ?? {};
    const registry = env.SLIPWAY_REGISTRY ?? "";
    expect(registry).toBe("registry:5000");
    // The engine pushes and k3s pulls under that name, both over plain HTTP.
    const mounts = new Map(bindMounts(service("k3s").volumes).map(([host, c]) => [c, host]));
    const registries = z
      .object({ mirrors: z.record(z.string(), z.object({ endpoint: z.array(z.string()) })) })
      .parse(
        parse(
          readFileSync(join(ROOT, mounts.get("/etc/rancher/k3s/registries.yaml") ?? ""), "utf8"),
        ),
      );
    expect(registries.mirrors[registry]?.endpoint).toEqual([`http://${registry}`]);
    const engineMounts = new Map(
      bindMounts(service("dagger-engine").volumes).map(([host, c]) => [c, host]),
    );
    const engineConfig = z
      .object({ registries: z.record(z.string(), z.object({ http: z.boolean() })) })
      .parse(
        JSON.parse(
          readFileSync(join(ROOT, engineMounts.get("/etc/dagger/engine.json") ?? ""), "utf8"),
        ),
      );
    expect(engineConfig.registries[registry]?.http).toBe(true);

    // k3s has no Kata: the RuntimeClass k3s applies at start-up is the one Slipway names.
    const manifest = [...mounts].find(([c]) =>
      c.startsWith("/var/lib/rancher/k3s/server/manifests/"),
    );
    const runtimeClass = Object.assign(
      new RuntimeClass(),
      z
        .object({})
        .loose()
        .parse(parse(readFileSync(join(ROOT, manifest?.[1] ?? ""), "utf8"))),
    );
    runtimeClass.validate();
    expect(runtimeClass.metadata?.name).toBe(env.SLIPWAY_RUNTIME_CLASS);
    expect(runtimeClass.metadata?.name).not.toBe("kata-fc");
    expect(runtimeClass.handler).toBe("runc");

    // Slipway reads the kubeconfig that the `kubeconfig` step rewrites for the host name k3s.
    expect(env.KUBECONFIG).toBe("/kube/kubeconfig-compose.yaml");
    expect(service("slipway").volumes).toContain("k3s-output:/kube:ro");
    const rewrite = service("kubeconfig").command;
    const script = Array.isArray(rewrite) ? rewrite.join(" ") : (rewrite ?? "");
    expect(script).toContain("https://k3s:6443");
    expect(script).toContain("> /output/kubeconfig-compose.yaml");
  });
});
