# syntax=docker/dockerfile:1
# Build stage: full dependencies, compile TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies and the compiled output only.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY proto ./proto
COPY config ./config
# The image's "node" user, numerically so that runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 4317 4318
# Without V8's memory reducer: after an idle spell it leaves the heap limit so tight that a busy
# hop spends 1.8-2.7x the CPU per realistic span on mark-compacts (docs/bench/memory-reducer.md).
ENTRYPOINT ["node", "--no-memory-reducer", "/app/dist/main.js"]
