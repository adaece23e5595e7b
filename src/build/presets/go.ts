import type { RecipeStep } from "../build-plan.ts";
import { BASE_IMAGES, IMAGE_USERS } from "./base-images.ts";
import {
  describeContext,
  unsupported,
  type BuildProblem,
  type PresetInput,
  type PresetResult,
} from "./preset-result.ts";

export const GO_DEFAULT_PORT = 8080;
const SRC = "/src";
const BINARY = "server";

function isGoSource(file: string): boolean {
  return file.endsWith(".go") && !file.endsWith("_test.go");
}

/** The main package to build: the module root, else the single (or module-named) `cmd/<name>`. */
function mainPackage(input: PresetInput): string | BuildProblem {
  const files = [...input.files];
  if (files.some((file) => !file.includes("/") && isGoSource(file))) return ".";
  const commands = new Set(
    files.flatMap((file) => {
      const match = /^cmd\/([^/]+)\/[^/]+$/.exec(file);
      return match?.[1] !== undefined && isGoSource(file) ? [match[1]] : [];
    }),
  );
  const module = /^module\s+"?([^\s"]+)"?/m.exec(input.read("go.mod") ?? "")?.[1];
  const named = module?.split("/").at(-1);
  const chosen =
    commands.size === 1
      ? [...commands][0]
      : named !== undefined && commands.has(named)
        ? named
        : undefined;
  if (chosen !== undefined) return `./cmd/${chosen}`;
  const reason =
    commands.size === 0
      ? `No main package in ${describeContext(input.context)} or its cmd/`
      : `Several commands under cmd/ (${[...commands].sort().join(", ")})`;
  const help =
    "The go preset builds the package at the module root, or the only one under cmd/. Point `build.context` at the module to build, or build with a Dockerfile (`build.dockerfile`).";
  return { ok: false, reason, help };
}

/**
 * A Go module: `go build` with the module and build caches in a golang stage, then the static
 * binary alone on distroless (no shell, uid 65532). CGO is off so the binary runs without libc.
 */
export function goPreset(input: PresetInput): PresetResult {
  const { files, config } = input;
  if (!files.has("go.mod")) {
    const help =
      "The go preset builds a Go module; point `build.context` at the directory with go.mod.";
    return { ok: false, reason: `No go.mod in ${describeContext(input.context)}`, help };
  }
  if (config.start !== undefined) {
    const help =
      "The Go image runs the built binary and has no shell. Remove `start`, or build with a Dockerfile.";
    return unsupported("start", "the go preset", help);
  }
  const pkg = mainPackage(input);
  if (typeof pkg !== "string") return pkg;
  const vendored = files.has("vendor/modules.txt");
  const download: RecipeStep[] = vendored
    ? []
    : [
        { op: "copy", source: "go.mod", dest: `${SRC}/go.mod` },
        ...(files.has("go.sum")
          ? [{ op: "copy", source: "go.sum", dest: `${SRC}/go.sum` } satisfies RecipeStep]
          : []),
        { op: "exec", args: ["go", "mod", "download"] },
      ];
  const port = config.port ?? GO_DEFAULT_PORT;
  const build: RecipeStep[] = [
    { op: "env", name: "CGO_ENABLED", value: "0" },
    // The golang image sets GOTOOLCHAIN=local; auto fetches the Go release go.mod asks for.
    { op: "env", name: "GOTOOLCHAIN", value: "auto" },
    { op: "workdir", path: SRC },
    { op: "cache", key: "go-mod", path: "/go/pkg/mod" },
    { op: "cache", key: "go-build", path: "/root/.cache/go-build" },
    ...download,
    { op: "copy", source: ".", dest: SRC },
    {
      op: "exec",
      args: ["go", "build", "-trimpath", "-ldflags=-s -w", "-o", `/out/${BINARY}`, pkg],
    },
  ];
  const runtime: RecipeStep[] = [
    { op: "copyFrom", stage: "build", source: "/out", dest: "/app" },
    { op: "user", name: IMAGE_USERS.distroless },
    { op: "env", name: "PORT", value: String(port) },
    { op: "expose", port },
    { op: "entrypoint", args: [`/app/${BINARY}`] },
  ];
  return {
    ok: true,
    plan: {
      kind: "preset",
      preset: "go",
      context: input.context,
      port,
      stages: [
        { name: "build", from: BASE_IMAGES.goBuild, steps: build },
        { name: "app", from: BASE_IMAGES.goRuntime, steps: runtime },
      ],
    },
    notes: [
      `Go module: builds ${pkg}${vendored ? " with vendor/" : ""}; the app must listen on $PORT.`,
    ],
  };
}
