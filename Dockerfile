# The braid image: the compiled CNI executable (copied onto nodes by `braid install`) and the daemon bundle,
# which runs on Node.js. Build: `docker build -t REGISTRY/braid:TAG .` (docs/install.md).
# The paths below are the ones deploy/daemonset.yaml and deploy/uninstall/ run.

# Stage 1, install: the dependencies alone (`npm ci`), cached until package.json or package-lock.json change.
# bun comes from the npm package `bun`, whose platform binary npm ci installs.
FROM node:22-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# Stage 2, build: `npm run build` = the config validator check, tsc, the daemon bundle (esbuild) and the executable
# (`bun build --compile`), on the installed dependencies (.dockerignore keeps the host's node_modules out).
FROM deps AS build
COPY . .
RUN npm run build && ./dist/braid version

# Stage 3, runtime: Node.js for the daemon, iproute2 (`ip`) and iptables (chained plugins such as portmap), and
# the two artifacts; no sources, no node_modules.
FROM node:22-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 iptables \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/dist/braid /usr/local/bin/braid
COPY --from=build /src/dist/braid-daemon.mjs /opt/braid/braid-daemon.mjs
USER root
ENTRYPOINT []
CMD ["/usr/local/bin/braid", "version"]
