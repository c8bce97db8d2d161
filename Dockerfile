# syntax=docker/dockerfile:1
# IM callback gateway. Build: docker build -t im-callback-gateway .
# Runs as the unprivileged "node" user, works with a read-only root filesystem (writes only to
# /data, the spool volume, and /tmp), and receives SIGTERM directly (tini as PID 1, node as its child).

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 (a native module) is compiled here: python3, make, g++. It is built against the
# Node 24.18.1 headers, fetched from the npm registry: from 24.19 on, node::ObjectWrap's cleanup
# hooks (compiled into the addon from the headers) make better-sqlite3 12 abort the process when a
# statement is garbage-collected (nodejs/node#65446). The binary runs on every 24.x.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/* \
 && npm install --prefix /opt/node-headers --no-audit --no-fund --no-save --ignore-scripts "node-linux-$(node -p process.arch)@24.18.1"
COPY package.json package-lock.json ./
RUN npm_config_nodedir="/opt/node-headers/node_modules/node-linux-$(node -p process.arch)" npm_config_build_from_source=true \
    npm ci --no-audit --no-fund
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
CMD ["node", "--max-semi-space-size=16", "dist/main.js"]
