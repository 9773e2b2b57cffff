# godwit as a drop-in for Flyway's image: the same /flyway layout (SQL in /flyway/sql, configuration in
# /flyway/conf/flyway.toml or flyway.conf, working directory /flyway) and `godwit` as the entrypoint, so
#   docker run --rm -v "$PWD/sql:/flyway/sql" godwit -url=jdbc:postgresql://db:5432/app -user=app migrate
# works where `flyway/flyway` did. test/integration/docker-layout.test.ts lints this file and rebuilds
# its layout in a temporary folder.

# Bump the Node tag together with package-lock.json; the build and the runtime use the same one.
FROM node:20.19.5-alpine3.22 AS build
WORKDIR /build
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json README.md flyway.toml.example ./
COPY bin ./bin
COPY src ./src
COPY scripts/bundle-cli.mjs ./scripts/
# What `npm pack` ships (bin, dist, README, example config), unpacked: the image holds the published
# package, not the source tree.
RUN npm run build \
 && npm pack --ignore-scripts --pack-destination /tmp \
 && mkdir /package \
 && tar -xzf /tmp/godwit-*.tgz -C /package --strip-components=1 \
 && cp package-lock.json .npmrc /package/

FROM node:20.19.5-alpine3.22
ENV NODE_ENV=production
WORKDIR /opt/godwit
COPY --from=build /package ./
# Production dependencies only, exactly as locked; no lifecycle scripts (the build already ran).
# A numeric non-root user, so that Kubernetes' runAsNonRoot can verify it.
RUN npm ci --omit=dev --ignore-scripts \
 && npm cache clean --force \
 && chmod 0755 bin/godwit.js \
 && ln -s /opt/godwit/bin/godwit.js /usr/local/bin/godwit \
 && addgroup -S -g 10001 flyway \
 && adduser -S -D -u 10001 -G flyway -h /home/flyway flyway \
 && mkdir -p /flyway/sql /flyway/conf \
 && chown -R 10001:10001 /flyway
WORKDIR /flyway
USER 10001:10001
ENTRYPOINT ["godwit"]
CMD ["-?"]
