# syntax=docker/dockerfile:1
#
# The smpp-fleet worker (worker/main.ts) for ECS Fargate. Built by `cdk deploy` (ContainerImage.fromAsset);
# locally: docker build -t smpp-fleet-worker .
#
# Why bundle with esbuild rather than run with tsx: no TypeScript compiler or devDependencies in the image,
# no transpiling at every start, one file with a source map (stack traces point at the .ts lines). Third-party
# packages stay external and come from `npm ci --omit=dev` against the lockfile, so the image runs exactly
# the dependency versions the tests ran (the CommonJS `smpp` package included), not a re-bundled copy.
#
# Node 24: the same major as the Lambda runtime (NODEJS_24_X). Pin a digest here for fully reproducible builds.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY core ./core
COPY worker ./worker
RUN npx esbuild worker/main.ts --bundle --platform=node --format=esm --target=node24 \
      --packages=external --sourcemap --sources-content=false --outfile=dist/worker.mjs

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /build/dist ./dist
COPY --chown=root:root package.json ./
# The image's unprivileged user; the files stay root-owned and read-only to it (the task's root filesystem
# is read-only too).
USER node
# ECS runs the health check from the task definition (GET /health on $HEALTH_PORT); SIGTERM starts the
# worker's drain, which ECS gives 120 s (stopTimeout).
CMD ["node", "--enable-source-maps", "dist/worker.mjs"]
