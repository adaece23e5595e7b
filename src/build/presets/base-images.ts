/**
 * Base images of the presets, pinned by exact version tag so a rebuild of the same commit gets the
 * same toolchain. Bump them here, together, and run the detection tests.
 */
export const BASE_IMAGES = {
  node: "node:24.11.1-bookworm-slim",
  python: "python:3.12.8-slim-bookworm",
  goBuild: "golang:1.23.4-bookworm",
  // Distroless publishes no version tags; `nonroot` is its user variant (uid 65532, no shell).
  goRuntime: "gcr.io/distroless/static-debian12:nonroot",
  // Listens on 8080 and runs as uid 101 out of the box.
  static: "nginxinc/nginx-unprivileged:1.27.3-alpine",
} as const;

/**
 * The users presets run as, numeric so that Kubernetes' `runAsNonRoot` can verify them (a name such
 * as `nonroot` makes the kubelet refuse the pod).
 */
export const IMAGE_USERS = {
  /** `node` in the Node.js images; created by the Python preset. */
  app: "1000",
  distroless: "65532",
  nginx: "101",
} as const;
