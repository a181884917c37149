# One image for every churnstream service: `docker build -t churnstream .`
# Multi-stage: dependencies and the TypeScript build in one stage, a slim non-root runtime in the next.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/bin ./bin
COPY --from=build --chown=node:node /app/schemas/avro ./schemas/avro
COPY --from=build --chown=node:node /app/serving/dashboard/public ./serving/dashboard/public
COPY --from=build --chown=node:node /app/package.json ./package.json
RUN ln -s /app/bin/churnstream.js /usr/local/bin/churnstream
USER node
EXPOSE 9464 8080
ENTRYPOINT []
CMD ["churnstream", "--help"]
