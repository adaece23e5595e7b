# Slipway's image: the TypeScript sources run directly by Node 24's type stripping (no build step),
# production dependencies only, as a non-root user.
#
#   docker build -t slipway .
#   docker run --rm -p 3000:3000 --env-file .env slipway
#
# The same base image, pinned by version, in both stages: the native parts of node_modules (if any)
# are built against exactly the Node that runs them. Bump both lines together (a test checks).

FROM node:24.11.1-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Exactly the lock file, without devDependencies. --ignore-scripts: no dependency's install
# script runs at build time; Slipway's dependencies work without them (BullMQ's optional
# msgpackr-extract falls back to plain JavaScript).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# The Dagger CLI the worker starts a session with for each build (SLIPWAY_BUILD_ENGINE), and
# kubectl, which that CLI's kube-pod runner execs to reach an installation's engine; tini (from
# Debian) is the final image's PID 1 (see ENTRYPOINT). The CLI and kubectl are fetched here,
# at image build time, and checked against the checksums their releases publish: the worker never
# downloads a CLI at run time. DAGGER_VERSION must be the @dagger.io/dagger version in
# package.json (a test checks): the CLI, the SDK and the engine image speak one protocol version.
FROM node:24.11.1-bookworm-slim AS tools
ARG DAGGER_VERSION=0.21.9
ARG KUBECTL_VERSION=1.34.1
ARG TARGETARCH
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates curl tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /tools
RUN set -eu; \
  arch="${TARGETARCH:-amd64}"; \
  dagger="dagger_v${DAGGER_VERSION}_linux_${arch}.tar.gz"; \
  curl -fsSLO "https://dl.dagger.io/dagger/releases/${DAGGER_VERSION}/${dagger}"; \
  curl -fsSL -o dagger-checksums.txt "https://dl.dagger.io/dagger/releases/${DAGGER_VERSION}/checksums.txt"; \
  grep " ${dagger}\$" dagger-checksums.txt | sha256sum -c -; \
  tar -xzf "${dagger}" dagger; \
  kubectl="https://dl.k8s.io/release/v${KUBECTL_VERSION}/bin/linux/${arch}/kubectl"; \
  curl -fsSLO "${kubectl}"; \
  echo "$(curl -fsSL "${kubectl}.sha256")  kubectl" | sha256sum -c -; \
  chmod 0755 dagger kubectl

FROM node:24.11.1-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app

# A numeric, non-root user: Kubernetes' runAsNonRoot can only verify a numeric USER. Its home
# directory is writable for npx, which Probot's setup page uses to fetch a smee.io client.
# /app/state is the only directory the app may write: Probot's setup page saves the registered
# app's credentials to ./.env, which links there (docker-compose.yml keeps it in a volume). In a
# cluster the link dangles, Node skips the missing file, and credentials come from Secrets.
RUN groupadd --gid 10001 slipway \
  && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/slipway \
    --shell /usr/sbin/nologin slipway \
  && mkdir /app/state \
  && chown 10001:10001 /app/state \
  && ln -s state/.env /app/.env

# Owned by root and read-only to the app: a compromised process cannot rewrite its own code.
COPY --from=tools /tools/dagger /tools/kubectl /usr/local/bin/
# The same base image as the tools stage, so Debian's tini runs against the same libc.
COPY --from=tools /usr/bin/tini /usr/bin/tini
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json app.yml ./
COPY schema ./schema
COPY src ./src
# The `slipway` command (package.json "bin"): `docker run --rm <image> node bin/slipway.js render`.
COPY bin ./bin

USER 10001:10001
EXPOSE 3000

# slim has no curl; Node's fetch does the probe. PORT is the listener's port (default 3000).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# tini as PID 1: it forwards SIGTERM to node and reaps orphans. Each build's Dagger CLI runs
# `kubectl exec`; when a CLI is killed its children are re-parented to PID 1, and node as PID 1
# would never reap them (zombies pile up until the pod's PID limit). Slipway kills each CLI's
# whole process group; tini collects what is left.
ENTRYPOINT ["/usr/bin/tini", "--"]

# `npm start`'s command line (package.json; a test keeps the two identical), run by node directly
# rather than through npm: node then receives SIGTERM itself (from tini), so Slipway's graceful
# shutdown runs when Docker or Kubernetes stops the container. npm would add a process between
# the signal and the app, and an exit code that is npm's rather than Slipway's.
CMD ["node", "--max-semi-space-size=16", "--env-file-if-exists=.env", "--experimental-strip-types", "--disable-warning=ExperimentalWarning", "src/main.ts"]
