import { bool, optRef, optStr, optStrs, ref, refs, split, str, strs } from "./args.ts";
import { emptyContainer, registryHost, runExec, type ContainerState } from "./container-state.ts";
import { dockerBuild } from "./docker-build.ts";
import {
  EngineError,
  gitAuthFailed,
  gitCommitNotFound,
  gitRefNotFound,
  gitRepoNotFound,
  noSuchFile,
} from "./engine-error.ts";
import type { FakeRepo, Link, ObjRef } from "./types.ts";
import * as vfs from "./virtual-fs.ts";
import type { World } from "./world.ts";

/** A Secret's name and plaintext; only `setSecret` makes secrets here. */
export function secretOf(world: World, secret: ObjRef): { name: string; plaintext: string } {
  const link = secret.chain.at(-1);
  if (secret.chain.length !== 1 || link?.field !== "setSecret") {
    throw new EngineError("the fake engine only knows secrets made by setSecret");
  }
  const name = str(link, "name");
  const plaintext = world.secrets.get(name);
  if (plaintext === undefined) throw new EngineError(`secret ${JSON.stringify(name)} not found`);
  return { name, plaintext };
}

/** `https://x:tok@github.com/O/R.git/` → the key `https://github.com/o/r` and the password. */
function parseGitUrl(url: string): { key: string; shown: string; password: string | undefined } {
  try {
    const u = new URL(url);
    const shown = `${u.protocol}//${u.host}${u.pathname}`;
    const key = shown
      .replace(/\/+$/, "")
      .replace(/\.git$/, "")
      .toLowerCase();
    return { key, shown, password: u.password === "" ? undefined : decodeURIComponent(u.password) };
  } catch {
    return { key: url.replace(/\.git$/, "").toLowerCase(), shown: url, password: undefined };
  }
}

function tokenFromHeader(header: string): string | undefined {
  const [scheme, value = ""] = header.split(" ", 2);
  if (scheme?.toLowerCase() === "bearer") return value;
  if (scheme?.toLowerCase() !== "basic") return undefined;
  return Buffer.from(value, "base64").toString("utf8").split(":").slice(1).join(":");
}

export interface GitCheckout {
  repo: FakeRepo;
  sha: string;
  refName: string;
}

/**
 * Resolves a GitRef chain (`git(url:…)` then `commit`/`ref`/`branch`/`tag`/`head`) as a clone
 * would: the repository must exist, the token must match a private one, the commit must exist.
 * The fake models no branches or tags: only full shas resolve.
 */
export function evalGit(world: World, chain: Link[]): GitCheckout {
  const { link: refLink, parent } = split(chain);
  const gitLink = parent.at(-1);
  if (parent.length !== 1 || gitLink?.field !== "git") {
    throw new EngineError("the fake engine only resolves refs of git(url:) repositories");
  }
  const { key, shown, password } = parseGitUrl(str(gitLink, "url"));
  const repo = (world.options.repos ?? []).find((r) => parseGitUrl(r.url).key === key);
  if (repo === undefined) throw gitRepoNotFound(shown);
  const tokenSecret = optRef(gitLink, "httpAuthToken");
  const headerSecret = optRef(gitLink, "httpAuthHeader");
  const token =
    tokenSecret !== undefined
      ? secretOf(world, tokenSecret).plaintext
      : headerSecret !== undefined
        ? tokenFromHeader(secretOf(world, headerSecret).plaintext)
        : password;
  if (repo.requireToken !== undefined) {
    const accepted =
      typeof repo.requireToken === "function"
        ? token !== undefined && repo.requireToken(token)
        : token === repo.requireToken;
    if (!accepted) throw gitAuthFailed(shown);
  }
  const name =
    refLink.field === "head" ? "HEAD" : str(refLink, refLink.field === "commit" ? "id" : "name");
  if (Object.hasOwn(repo.commits, name)) return { repo, sha: name, refName: name };
  if (refLink.field === "commit") throw gitCommitNotFound(shown, name);
  throw gitRefNotFound(name);
}

function containerPath(state: ContainerState, path: string): string {
  return vfs.normalizePath(path, state.workdir || "/");
}

export function evalDirectory(world: World, chain: Link[]): vfs.Vfs {
  const { link, parent, parentType } = split(chain);
  if (link.field === "tree") {
    const { repo, sha } = evalGit(world, parent);
    const files = vfs.vfsFrom(repo.commits[sha] ?? {});
    // The engine keeps .git unless asked to discard it.
    return bool(link, "discardGitDir") ? files : vfs.withFile(files, ".git/HEAD", `${sha}\n`);
  }
  if (parentType === "Query") return new Map();
  if (parentType === "Container") {
    const state = evalContainer(world, parent, true);
    if (link.field === "rootfs") return state.fs;
    const path = str(link, "path");
    const sub = vfs.subtree(state.fs, containerPath(state, path));
    if (sub === undefined) throw noSuchFile(path);
    return sub;
  }
  const dir = evalDirectory(world, parent);
  switch (link.field) {
    case "directory": {
      const sub = vfs.subtree(dir, vfs.normalizePath(str(link, "path")));
      if (sub === undefined) throw noSuchFile(str(link, "path"));
      return sub;
    }
    case "withNewFile":
      return vfs.withFile(dir, vfs.normalizePath(str(link, "path")), str(link, "contents"));
    case "withFile":
      return vfs.withFile(
        dir,
        vfs.normalizePath(str(link, "path")),
        evalFile(world, ref(link, "source").chain).contents,
      );
    case "withDirectory":
      return vfs.withDirectory(
        dir,
        vfs.normalizePath(str(link, "path")),
        evalDirectory(world, ref(link, "source").chain),
        filterOf(link),
      );
    case "withoutFile":
    case "withoutDirectory":
      return vfs.without(dir, vfs.normalizePath(str(link, "path")));
    case "withoutFiles":
      return strs(link, "paths").reduce((d, p) => vfs.without(d, vfs.normalizePath(p)), dir);
    default:
      throw new EngineError(`Directory.${link.field} is not modelled by the fake engine`);
  }
}

function filterOf(link: Link): { include?: string[]; exclude?: string[] } {
  const include = optStrs(link, "include");
  const exclude = optStrs(link, "exclude");
  return { ...(include && { include }), ...(exclude && { exclude }) };
}

export function evalFile(world: World, chain: Link[]): { name: string; contents: string } {
  const { link, parent, parentType } = split(chain);
  if (parentType === "Query") return { name: str(link, "name"), contents: str(link, "contents") };
  const path = str(link, "path");
  let contents: string | undefined;
  if (parentType === "Container") {
    const state = evalContainer(world, parent, true);
    contents = state.fs.get(containerPath(state, path));
  } else {
    contents = evalDirectory(world, parent).get(vfs.normalizePath(path));
  }
  if (contents === undefined) throw noSuchFile(path);
  return { name: path.split("/").pop() ?? path, contents };
}

/**
 * The container a chain makes. With `run`, execs (and Dockerfile RUNs) go through `failExec`
 * and the filesystem is built; without, only the image config is (for metadata leaves, which the
 * engine answers without running anything).
 */
export function evalContainer(world: World, chain: Link[], run: boolean): ContainerState {
  const { link, parent, parentType } = split(chain);
  if (parentType === "Query") return emptyContainer();
  if (parentType === "Directory") {
    for (const secret of refs(link, "secrets")) secretOf(world, secret);
    return dockerBuild(world, evalDirectory(world, parent), {
      dockerfile: optStr(link, "dockerfile") ?? "Dockerfile",
      target: optStr(link, "target"),
      run,
    });
  }
  const state = evalContainer(world, parent, run);
  return applyContainerLink(world, state, link, run);
}

function applyContainerLink(
  world: World,
  state: ContainerState,
  link: Link,
  run: boolean,
): ContainerState {
  const withMap = <V>(m: ReadonlyMap<string, V>, k: string, v: V | undefined) => {
    const out = new Map(m);
    if (v === undefined) out.delete(k);
    else out.set(k, v);
    return out;
  };
  const fsOp = (op: (fs: vfs.Vfs, path: string) => vfs.Vfs): ContainerState =>
    run ? { ...state, fs: op(state.fs, containerPath(state, str(link, "path"))) } : state;
  switch (link.field) {
    case "from":
      if (str(link, "address") === "") throw new EngineError("from: empty image address");
      // The image's filesystem and config replace the container's; the fake's images are empty.
      return {
        ...emptyContainer(),
        image: str(link, "address"),
        annotations: state.annotations,
        registryAuth: state.registryAuth,
        secretEnv: state.secretEnv,
        caches: state.caches,
      };
    case "withExec": {
      const args = strs(link, "args");
      const cmd = bool(link, "useEntrypoint") ? [...state.entrypoint, ...args] : args;
      return run ? runExec(world, state, cmd, optStr(link, "expect")) : state;
    }
    case "withDirectory":
    case "withMountedDirectory":
      return fsOp((fs, p) =>
        vfs.withDirectory(fs, p, evalDirectory(world, ref(link, "source").chain), filterOf(link)),
      );
    case "withRootfs":
      return run ? { ...state, fs: evalDirectory(world, ref(link, "directory").chain) } : state;
    case "withFile":
      return fsOp((fs, p) =>
        vfs.withFile(fs, p, evalFile(world, ref(link, "source").chain).contents),
      );
    case "withNewFile":
      return fsOp((fs, p) => vfs.withFile(fs, p, str(link, "contents")));
    case "withoutFile":
      return fsOp((fs, p) => vfs.without(fs, p));
    case "withMountedCache": {
      const key = str(ref(link, "cache").chain.at(-1) ?? link, "key");
      return { ...state, caches: withMap(state.caches, str(link, "path"), key) };
    }
    case "withMountedSecret":
      secretOf(world, ref(link, "source"));
      return state;
    case "withSecretVariable": {
      const { name } = secretOf(world, ref(link, "secret"));
      return { ...state, secretEnv: withMap(state.secretEnv, str(link, "name"), name) };
    }
    case "withRegistryAuth": {
      const address = str(link, "address");
      const auth = {
        address,
        username: str(link, "username"),
        secretName: secretOf(world, ref(link, "secret")).name,
      };
      return { ...state, registryAuth: withMap(state.registryAuth, registryHost(address), auth) };
    }
    case "withoutRegistryAuth":
      return {
        ...state,
        registryAuth: withMap(state.registryAuth, registryHost(str(link, "address")), undefined),
      };
    case "withUser":
      return { ...state, user: str(link, "name") };
    case "withWorkdir":
      return { ...state, workdir: `/${containerPath(state, str(link, "path"))}` };
    case "withEnvVariable":
      return { ...state, env: withMap(state.env, str(link, "name"), str(link, "value")) };
    case "withoutEnvVariable":
      return { ...state, env: withMap(state.env, str(link, "name"), undefined) };
    case "withExposedPort": {
      const port = { port: Number(link.args.port), protocol: optStr(link, "protocol") ?? "TCP" };
      return { ...state, exposedPorts: [...state.exposedPorts, port] };
    }
    case "withEntrypoint": {
      const defaultArgs = bool(link, "keepDefaultArgs") ? state.defaultArgs : [];
      return { ...state, entrypoint: strs(link, "args"), defaultArgs };
    }
    case "withDefaultArgs":
      return { ...state, defaultArgs: strs(link, "args") };
    case "withLabel":
      return { ...state, labels: withMap(state.labels, str(link, "name"), str(link, "value")) };
    case "withAnnotation":
      return {
        ...state,
        annotations: withMap(state.annotations, str(link, "name"), str(link, "value")),
      };
    default:
      throw new EngineError(`Container.${link.field} is not modelled by the fake engine`);
  }
}
