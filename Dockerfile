# syntax=docker/dockerfile:1
# IM callback gateway. Build: docker build -t im-callback-gateway .
# Runs as the unprivileged "node" user, works with a read-only root filesystem (writes only to
# /data, the spool volume, and /tmp), and receives SIGTERM directly (tini as PID 1, node as its child).

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
# No native module: the spool is Node's built-in node:sqlite, so no compiler and no Node headers.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:24.21.0-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data \
 && chown node:node /data
WORKDIR /app
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=8080
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--max-semi-space-size=8", "--v8-pool-size=0", "--no-concurrent-recompilation", "dist/main.js"]
