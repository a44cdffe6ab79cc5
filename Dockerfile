# syntax=docker/dockerfile:1
# posgraph on plain node: `docker build -t posgraph .`, then `docker run -p 4000:4000 posgraph`
# (demo mode: the four vendor simulators embedded) or with POSGRAPH_CONFIG naming a
# configuration file. The same image runs the simulators alone: `node dist/src/simulators/main.js`
# (docker-compose.yml does both).
#
# Install scripts are skipped: no dependency needs one (developers' npm 11 skips them too).

FROM node:20-bookworm-slim AS base
WORKDIR /app

# Every dependency, for the compiler.
FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

# src/ → dist/ (tsconfig.build.json).
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# What runs: production dependencies, the compiled code and the shipped configurations.
FROM base AS runtime
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
USER node
EXPOSE 4000
# Liveness: /health answers 200 while the process serves. Slim images have no curl; node has fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The gateway drains on SIGTERM for up to SHUTDOWN_GRACE_MS (10 s) and then closes its pools:
# give it longer than that before the kill (`docker stop -t 15`, compose's stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
