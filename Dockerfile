# The braid image: the compiled CNI executable (copied onto nodes by `braid install`) and the daemon bundle,
# which runs on Node.js. Build the artifacts first: `npm ci && npm run build`.
FROM node:20-bookworm-slim
COPY dist/braid /usr/local/bin/braid
COPY dist/braid-daemon.mjs /opt/braid/braid-daemon.mjs
USER root
ENTRYPOINT []
