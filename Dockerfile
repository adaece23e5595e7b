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

# `npm start`'s command line (package.json; a test keeps the two identical), run by node directly
# rather than through npm: node is then PID 1 and receives SIGTERM itself, so Slipway's graceful
# shutdown runs when Docker or Kubernetes stops the container. npm as PID 1 would add a process
# between the signal and the app, and an exit code that is npm's rather than Slipway's.
CMD ["node", "--env-file-if-exists=.env", "--experimental-strip-types", "--disable-warning=ExperimentalWarning", "src/main.ts"]
