# syntax=docker/dockerfile:1
# The relay's production image: compiled JavaScript on Node 24 LTS, production dependencies only,
# run as the unprivileged `node` user. Build: `docker build -t pharos-relay .` (or `docker
# compose build`). It needs RELAY_ENCRYPTION_KEYS (NODE_ENV=production refuses to start without).
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Compile the TypeScript. Install scripts are skipped: tsc needs no native addon.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY relay-service/package.json relay-service/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY relay-service/tsconfig.build.json relay-service/
COPY relay-service/src relay-service/src
COPY relay-service/cli relay-service/cli
RUN npm run build

# 2. Production dependencies from the lockfile. better-sqlite3 compiles when no prebuilt binary
#    for this Node is reachable, hence the compiler, which stays in this stage.
FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY relay-service/package.json relay-service/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. What runs: node, the build, the production dependencies; no npm step at start.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=sqlite:/data/relay.db
WORKDIR /app
COPY --from=production-dependencies /app/node_modules node_modules
COPY --from=production-dependencies /app/relay-service/node_modules relay-service/node_modules
COPY package.json ./
COPY relay-service/package.json relay-service/
COPY --from=build /app/relay-service/dist relay-service/dist
# The SQLite store's folder (single instance); with DATABASE_URL=postgres://… it stays empty.
RUN mkdir /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 8080
# node:*-slim has no curl: node's own fetch asks /healthz.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The same file as `npm run start:prod`, started by node itself (not npm) so that SIGTERM from
# `docker stop` reaches the relay's graceful shutdown.
CMD ["node", "relay-service/dist/src/main.js"]
