# syntax=docker/dockerfile:1
# notary-admission: the admission webhook image.
#   docker build -t notary-admission:dev .
# Three stages: build (TypeScript to dist/, and the CLI bundled into dist/bundle/ by
# esbuild.config.js: docs/adr/0009), prod-deps (production node_modules only, from the lock file),
# runtime (distroless Node.js 22: no shell, no package manager, non-root).
# For reproducible builds, pin the base images by digest: --build-arg NODE_IMAGE=node@sha256:…
ARG NODE_IMAGE=node:22-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs22-debian12:nonroot

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NODE_ENV=development
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json esbuild.config.js ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
# package.json: "type": "module" for dist/, and the version `notary-admission version` prints.
COPY --from=prod-deps --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /app/dist ./dist
COPY --chown=0:0 package.json ./
# distroless "nonroot": uid/gid 65532, the same the chart's securityContext sets.
USER 65532:65532
EXPOSE 8443 9090
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/bundle/cli.js"]
CMD ["serve"]
