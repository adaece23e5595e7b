import { emptyContainer, runExec, type ContainerState } from "./container-state.ts";
import { EngineError } from "./engine-error.ts";
import { normalizePath, subtree, withDirectory, withFile, type Vfs } from "./virtual-fs.ts";
import type { World } from "./world.ts";

export interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions, with comments dropped and `\` continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    const match = /^(\S+)\s*(.*)$/.exec(full);
    if (match?.[1] !== undefined)
      out.push({ keyword: match[1].toUpperCase(), args: match[2] ?? "" });
  }
  return out;
}

/** A JSON array of strings (exec form), or the shell form run by `/bin/sh -c`. */
function command(args: string): string[] {
  if (args.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(args);
      if (Array.isArray(parsed) && parsed.every((a) => typeof a === "string")) return parsed;
    } catch {
      // not JSON: the shell form
    }
  }
  return ["/bin/sh", "-c", args];
}

/** Leading `--flag=value` options of RUN and COPY. */
function splitFlags(args: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let rest = args;
  for (let m = /^(--\S+)\s+/.exec(rest); m?.[1] !== undefined; m = /^(--\S+)\s+/.exec(rest)) {
    flags.push(m[1]);
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

function pairs(args: string): Array<[string, string]> {
  if (!args.includes("=")) {
    const [key = "", ...value] = args.split(/\s+/);
    return [[key, value.join(" ")]];
  }
  return [...args.matchAll(/(\S+?)=("(?:[^"\\]|\\.)*"|\S*)/g)].map((m) => [
    m[1] ?? "",
    (m[2] ?? "").replace(/^"(.*)"$/, "$1"),
  ]);
}

/**
 * Simulates `Directory.dockerBuild`: FROM, RUN (through `failExec`), COPY/ADD from the context,
 * WORKDIR, USER, ENV, LABEL, EXPOSE, ENTRYPOINT, CMD; other instructions are ignored. Stops after
 * the `target` stage when one is named. Without `run`, RUN is skipped (for metadata leaves).
 */
export function dockerBuild(
  world: World,
  context: Vfs,
  options: { dockerfile: string; target: string | undefined; run: boolean },
): ContainerState {
  const text = context.get(normalizePath(options.dockerfile));
  if (text === undefined) {
    throw new EngineError(
      `failed to read dockerfile: open ${options.dockerfile}: no such file or directory`,
    );
  }
  let state = emptyContainer();
  let inTarget = false;
  for (const { keyword, args } of parseDockerfile(text)) {
    if (keyword === "FROM") {
      if (inTarget) break;
      const [image, as, stage] = args.split(/\s+/);
      inTarget =
        options.target !== undefined && as?.toUpperCase() === "AS" && stage === options.target;
      state = { ...emptyContainer(), image };
      continue;
    }
    if (keyword === "RUN" && !options.run) continue;
    state = apply(world, state, context, keyword, args);
  }
  if (options.target !== undefined && !inTarget) {
    throw new EngineError(`target stage ${JSON.stringify(options.target)} could not be found`);
  }
  return state;
}

function apply(
  world: World,
  state: ContainerState,
  context: Vfs,
  keyword: string,
  args: string,
): ContainerState {
  switch (keyword) {
    case "RUN":
      return runExec(world, state, command(splitFlags(args).rest));
    case "WORKDIR":
      return { ...state, workdir: `/${normalizePath(args, state.workdir || "/")}` };
    case "USER":
      return { ...state, user: args };
    case "ENV":
      return { ...state, env: new Map([...state.env, ...pairs(args)]) };
    case "LABEL":
      return { ...state, labels: new Map([...state.labels, ...pairs(args)]) };
    case "EXPOSE":
      return {
        ...state,
        exposedPorts: [
          ...state.exposedPorts,
          ...args.split(/\s+/).map((p) => {
            const [port = "", protocol = "tcp"] = p.split("/");
            return { port: Number(port), protocol: protocol.toUpperCase() };
          }),
        ],
      };
    case "ENTRYPOINT":
      return { ...state, entrypoint: command(args) };
    case "CMD":
      return { ...state, defaultArgs: command(args) };
    case "COPY":
    case "ADD":
      return copy(state, context, splitFlags(args));
    default:
      return state;
  }
}

function copy(
  state: ContainerState,
  context: Vfs,
  { flags, rest }: { flags: string[]; rest: string },
): ContainerState {
  // Copies from another stage are not modelled.
  if (flags.some((f) => f.startsWith("--from="))) return state;
  const parts = command(rest)[0] === "/bin/sh" ? rest.split(/\s+/) : command(rest);
  const dest = parts.pop() ?? ".";
  const destDir = normalizePath(dest, state.workdir || "/");
  let fs = state.fs;
  for (const src of parts) {
    const path = normalizePath(src);
    const dir = subtree(context, path);
    const file = context.get(path);
    if (dir !== undefined) fs = withDirectory(fs, destDir, dir);
    else if (file !== undefined) {
      const name = path.split("/").pop() ?? "";
      const target = !dest.endsWith("/") ? destDir : destDir === "" ? name : `${destDir}/${name}`;
      fs = withFile(fs, target, file);
    } else throw new EngineError(`failed to compute cache key: "/${path}": not found`);
  }
  return { ...state, fs };
}
