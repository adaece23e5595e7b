/**
 * The part of Dagger's API the fake engine answers: for each object type, its fields, what an
 * object-returning field returns, and which arguments are object IDs (a list argument holds a
 * list of IDs). A field without `returns` is a leaf, evaluated by `resolveLeaf`.
 */
export interface FieldSpec {
  returns?: string;
  ids?: Record<string, string>;
}

const container = { returns: "Container" };
const directory = { returns: "Directory" };
const file = { returns: "File" };
const gitRef = { returns: "GitRef" };
const leaf = {};

const SCHEMA: Record<string, Record<string, FieldSpec>> = {
  Query: {
    version: leaf,
    setSecret: { returns: "Secret" },
    cacheVolume: { returns: "CacheVolume", ids: { source: "Directory" } },
    git: { returns: "GitRepository", ids: { httpAuthToken: "Secret", httpAuthHeader: "Secret" } },
    container,
    directory,
    file,
  },
  GitRepository: {
    commit: gitRef,
    ref: gitRef,
    branch: gitRef,
    tag: gitRef,
    head: gitRef,
    url: leaf,
  },
  GitRef: { tree: directory, commit: leaf, ref: leaf },
  Directory: {
    directory,
    file,
    withNewFile: directory,
    withFile: { returns: "Directory", ids: { source: "File" } },
    withDirectory: { returns: "Directory", ids: { source: "Directory" } },
    withoutFile: directory,
    withoutFiles: directory,
    withoutDirectory: directory,
    dockerBuild: { returns: "Container", ids: { secrets: "Secret" } },
    entries: leaf,
    glob: leaf,
    exists: leaf,
    sync: leaf,
  },
  File: { contents: leaf, name: leaf, size: leaf, sync: leaf },
  Container: {
    from: container,
    withDirectory: { returns: "Container", ids: { source: "Directory" } },
    withMountedDirectory: { returns: "Container", ids: { source: "Directory" } },
    withFile: { returns: "Container", ids: { source: "File" } },
    withNewFile: container,
    withoutFile: container,
    withRootfs: { returns: "Container", ids: { directory: "Directory" } },
    withMountedCache: { returns: "Container", ids: { cache: "CacheVolume", source: "Directory" } },
    withMountedSecret: { returns: "Container", ids: { source: "Secret" } },
    withSecretVariable: { returns: "Container", ids: { secret: "Secret" } },
    withRegistryAuth: { returns: "Container", ids: { secret: "Secret" } },
    withoutRegistryAuth: container,
    withExec: container,
    withUser: container,
    withWorkdir: container,
    withEnvVariable: container,
    withoutEnvVariable: container,
    withExposedPort: container,
    withEntrypoint: container,
    withDefaultArgs: container,
    withLabel: container,
    withAnnotation: container,
    directory,
    rootfs: directory,
    file,
    sync: leaf,
    stdout: leaf,
    stderr: leaf,
    exitCode: leaf,
    publish: { ids: { platformVariants: "Container" } },
    envVariable: leaf,
    label: leaf,
    workdir: leaf,
    user: leaf,
    entrypoint: leaf,
    defaultArgs: leaf,
  },
  Secret: { name: leaf, plaintext: leaf },
  CacheVolume: {},
};

/** Types that `id`, `node(id:)` and `loadXFromID` apply to. */
export const OBJECT_TYPES = Object.keys(SCHEMA).filter((t) => t !== "Query");

export function fieldSpec(type: string, field: string): FieldSpec | undefined {
  if (field === "id" && type !== "Query") return leaf;
  const fields = SCHEMA[type];
  return fields !== undefined && Object.hasOwn(fields, field) ? fields[field] : undefined;
}
