/** One field of a call chain, as the fake records it (object IDs expanded into their chains). */
export interface ChainLink {
  field: string;
  args: Record<string, unknown>;
}

export type Chain = ChainLink[];

/** A repository the fake engine can clone. */
export interface FakeRepo {
  url: string;
  /** 40-hex sha → path → contents. Directories are implied by the paths. */
  commits: Record<string, Record<string, string>>;
  /**
   * A private repository: the clone only succeeds when the git `httpAuthToken` secret's plaintext
   * equals this (or passes this check, e.g. "a token the fake GitHub issued").
   */
  requireToken?: string | ((token: string) => boolean);
}

/** What an exec (or a Dockerfile `RUN`) returns; a non-zero `exitCode` fails it. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface FakeDaggerOptions {
  /** The session token; requests must carry it as the basic-auth user. */
  token: string;
  /** What `version` answers (default `v0.21.9`). */
  version?: string;
  repos?: FakeRepo[];
  /** When set, `publish` requires `withRegistryAuth` for the image's registry with these. */
  registry?: { username: string; password: string };
  /**
   * Consulted for every `withExec` and Dockerfile `RUN` (`["/bin/sh", "-c", cmd]` for the shell
   * form) when the container is evaluated: `undefined` means success with empty output, a result
   * with exit code 0 is a success with that output. May be called more than once per exec.
   */
  failExec?: (args: string[]) => ExecResult | undefined;
  /** Wait this long before answering each request. */
  delayMs?: number;
}

export interface DaggerRequest {
  authorization: string | undefined;
  query: string;
  variables?: unknown;
}

export interface PublishedImage {
  address: string;
  /** `<address without tag>@sha256:<64 hex>`, derived from the container's chain. */
  digestRef: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The registry auth that matched the image's registry, if any. */
  registryAuth?: { address: string; username: string; secretName: string };
  /** The container's chain followed by the `publish` link. */
  chain: Chain;
}

export interface FakeDagger {
  port: number;
  /** Every request as received, including rejected ones. */
  requests: DaggerRequest[];
  /**
   * Every call chain the SDK asked to evaluate, one per leaf field answered (including `id`
   * leaves), root first, with `node(id:)`/`loadXFromID` spliced away and ID arguments expanded
   * into their chains. A `setSecret` link keeps only `name`: the plaintext is in `secrets`.
   */
  chains: Chain[];
  /** What `setSecret` received: name → plaintext. */
  secrets: Map<string, string>;
  published: PublishedImage[];
  /** The key of every `cacheVolume()` call, in order (repeats included). */
  cacheVolumes: string[];
  close(): Promise<void>;
}

/** A link as kept inside the fake and inside its IDs: the field's type rides along. */
export interface Link {
  field: string;
  args: Record<string, unknown>;
  type: string;
}

/** An object: its type and the chain of calls that makes it, from the root. */
export interface ObjRef {
  type: string;
  chain: Link[];
}

/** How an ID argument sits in `Link.args`, so that it survives a JSON round trip. */
export interface IdArg {
  $id: ObjRef;
}
