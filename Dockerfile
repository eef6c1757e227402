FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY packages/queue/package.json packages/queue/
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/cli/package.json apps/cli/
# Inside the image the network is ordinary: let onnxruntime-node keep its bundled CPU
# binary (install=skip is only needed offline) and install the optional tfjs-node.
RUN npm ci --omit=dev
RUN npm install --no-save @tensorflow/tfjs-node || echo "tfjs-node did not install; the MLP uses the WASM backend"
COPY . .
ENV NODE_ENV=production
EXPOSE 3000
CMD ["node", "apps/cli/bin/gridfold.js", "serve", "--workers", "0", "--host", "0.0.0.0"]
