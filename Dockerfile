FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY packages/queue/package.json packages/queue/
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/cli/package.json apps/cli/
# The dashboard is built by its workspace's postinstall during npm ci (Vite, offline): it
# needs its sources, the seed specs the launch form offers and the recorded benchmarks
# (bench/results/) its /bench pages draw.
COPY apps/dashboard/ apps/dashboard/
COPY experiments/ experiments/
COPY bench/results/ bench/results/
# Inside the image the network is ordinary: let onnxruntime-node keep its bundled CPU
# binary (install=skip is only needed offline). @tensorflow/tfjs-node is an optional
# dependency of @gridfold/core: npm ci installs it (its install script downloads
# libtensorflow) and goes on without it if that fails; the next line says which it was.
RUN npm ci --omit=dev
RUN node -e "require('@tensorflow/tfjs-node')" >/dev/null 2>&1 && echo "MLPClassifier backend: tensorflow (tfjs-node)" || echo "tfjs-node did not install; MLPClassifier uses the WASM backend"
COPY . .
# The app's files stay root's (read-only to the process); it runs as the image's unprivileged
# `node` user, which owns only the data directory that specs' CSV/IDX paths are confined to.
RUN mkdir -p /app/data && chown node:node /app/data
ENV NODE_ENV=production
USER node
EXPOSE 3000
# Listening beyond loopback needs GRIDFOLD_TOKEN (or --insecure): without it, it exits at once.
CMD ["node", "apps/cli/bin/gridfold.js", "serve", "--workers", "0", "--host", "0.0.0.0"]
