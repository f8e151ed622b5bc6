# Build: the Swift toolchain compiles a release binary.
FROM swift:6.2-noble AS build
WORKDIR /build
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
# Statically linked Foundation still links libcurl (FoundationNetworking, used by the demo's
# client): the toolchain image has libcurl4-openssl-dev; the runtime image has libcurl4.
RUN swift build -c release --product cfund --static-swift-stdlib
# The binary and the bundle of its OpenAPI document, which the server reads beside the binary.
RUN BIN="$(swift build -c release --show-bin-path)" \
    && cp "$BIN/cfund" /build/cfund \
    && cp -R "$BIN/cfund_FundHTTP.resources" /build/

# Run: a slim image with the binary, its resources and the SQL migrations.
FROM ubuntu:noble
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libcurl4 libxml2 tzdata \
    && rm -rf /var/lib/apt/lists/* && useradd --system --create-home cfund
WORKDIR /app
COPY --from=build /build/cfund /app/cfund
COPY --from=build /build/cfund_FundHTTP.resources /app/cfund_FundHTTP.resources
COPY Schema /app/Schema
ENV CFUND_SCHEMA_DIR=/app/Schema
USER cfund
EXPOSE 8080
ENTRYPOINT ["/app/cfund"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
