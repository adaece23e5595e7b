import { createHash } from "node:crypto";
import { optNum, optStr, refs, str } from "./args.ts";
import { registryHost, withoutTag, type ContainerState } from "./container-state.ts";
import { EngineError, noSuchFile, registryDenied } from "./engine-error.ts";
import { evalContainer, evalDirectory, evalFile, evalGit, secretOf } from "./evaluate.ts";
import { encodeId, publicChain } from "./ids.ts";
import type { Link, ObjRef } from "./types.ts";
import { entries, glob, isDirectory, normalizePath } from "./virtual-fs.ts";
import type { World } from "./world.ts";

function lastExec(state: ContainerState): NonNullable<ContainerState["lastExec"]> {
  if (state.lastExec === undefined) throw new EngineError("no command has been set");
  return state.lastExec;
}

/** Answers a scalar field of `obj`; this is where chains are evaluated. */
export function resolveLeaf(world: World, obj: ObjRef, link: Link): unknown {
  if (link.field === "id") return encodeId(obj);
  const run = () => evalContainer(world, obj.chain, true);
  const config = () => evalContainer(world, obj.chain, false);
  switch (`${obj.type}.${link.field}`) {
    case "Query.version":
      return world.options.version ?? "v0.21.9";
    case "GitRepository.url":
      return str(obj.chain[0] ?? link, "url");
    case "GitRef.commit":
      return evalGit(world, obj.chain).sha;
    case "GitRef.ref":
      return evalGit(world, obj.chain).refName;
    case "Directory.entries": {
      const path = optStr(link, "path") ?? ".";
      const names = entries(evalDirectory(world, obj.chain), normalizePath(path));
      if (names === undefined) throw noSuchFile(path);
      return names;
    }
    case "Directory.glob":
      return glob(evalDirectory(world, obj.chain), str(link, "pattern"));
    case "Directory.exists": {
      const dir = evalDirectory(world, obj.chain);
      const path = normalizePath(str(link, "path"));
      const expected = optStr(link, "expectedType");
      const isFile = dir.has(path);
      const isDir = !isFile && isDirectory(dir, path);
      if (expected === "REGULAR_TYPE") return isFile;
      if (expected === "DIRECTORY_TYPE") return isDir;
      return isFile || isDir;
    }
    case "Directory.sync":
      evalDirectory(world, obj.chain);
      return encodeId(obj);
    case "File.contents": {
      const lines = evalFile(world, obj.chain).contents.split(/(?<=\n)/);
      const offset = optNum(link, "offsetLines") ?? 0;
      const limit = optNum(link, "limitLines");
      return lines.slice(offset, limit === undefined ? undefined : offset + limit).join("");
    }
    case "File.name":
      return evalFile(world, obj.chain).name;
    case "File.size":
      return Buffer.byteLength(evalFile(world, obj.chain).contents);
    case "File.sync":
      evalFile(world, obj.chain);
      return encodeId(obj);
    case "Container.sync":
      run();
      return encodeId(obj);
    case "Container.stdout":
      return lastExec(run()).stdout;
    case "Container.stderr":
      return lastExec(run()).stderr;
    case "Container.exitCode":
      return lastExec(run()).exitCode;
    case "Container.publish":
      return publish(world, obj, link, run());
    case "Container.envVariable":
      return config().env.get(str(link, "name")) ?? null;
    case "Container.label":
      return config().labels.get(str(link, "name")) ?? null;
    case "Container.workdir":
      return config().workdir;
    case "Container.user":
      return config().user;
    case "Container.entrypoint":
      return config().entrypoint;
    case "Container.defaultArgs":
      return config().defaultArgs;
    case "Secret.name":
      return secretOf(world, obj).name;
    case "Secret.plaintext":
      return secretOf(world, obj).plaintext;
    default:
      throw new EngineError(`Cannot query field "${link.field}" on type "${obj.type}".`);
  }
}

/**
 * Checks registry auth like a registry would (by host, username and the secret's plaintext),
 * records the image and answers `<address without tag>@sha256:<digest of the chain>`.
 */
function publish(world: World, obj: ObjRef, link: Link, state: ContainerState): string {
  const address = str(link, "address");
  for (const variant of refs(link, "platformVariants")) evalContainer(world, variant.chain, true);
  const auth = state.registryAuth.get(registryHost(address));
  const required = world.options.registry;
  if (
    required !== undefined &&
    (auth?.username !== required.username ||
      world.secrets.get(auth.secretName) !== required.password)
  ) {
    throw registryDenied(address);
  }
  const chain = publicChain(obj.chain);
  const digest = createHash("sha256").update(JSON.stringify(chain)).digest("hex");
  const digestRef = `${withoutTag(address)}@sha256:${digest}`;
  world.published.push({
    address,
    digestRef,
    labels: Object.fromEntries(state.labels),
    annotations: Object.fromEntries(state.annotations),
    ...(auth !== undefined && { registryAuth: { ...auth } }),
    chain: [...chain, ...publicChain([link])],
  });
  return digestRef;
}
