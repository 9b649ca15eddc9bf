# The braid image: the compiled CNI executable (copied onto nodes by `braid install`) and the daemon bundle,
# which runs on Node.js. Build: `docker build -t REGISTRY/braid:TAG .` (docs/install.md).
# The paths below are the ones deploy/daemonset.yaml and deploy/uninstall/ run.

# Stage 1: `npm run build` = the config validator check, tsc, the daemon bundle (esbuild) and the executable
# (`bun build --compile`; bun comes from the npm package `bun`, whose platform binary npm ci installs).
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && ./dist/braid version

# Stage 2: Node.js for the daemon, iproute2 (`ip`) and iptables (chained plugins such as portmap), the two artifacts.
FROM node:22-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 iptables \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/dist/braid /usr/local/bin/braid
COPY --from=build /src/dist/braid-daemon.mjs /opt/braid/braid-daemon.mjs
USER root
ENTRYPOINT []
CMD ["/usr/local/bin/braid", "version"]
