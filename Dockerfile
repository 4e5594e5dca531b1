# One image for the producer, projector and API; compose.yaml picks the command.
FROM denoland/deno:2.9.6

WORKDIR /app
COPY deno.json deno.lock ./
COPY events/ events/
COPY lib/ lib/
COPY producer/ producer/
COPY projector/ projector/
COPY replay/ replay/
COPY api/ api/
COPY dashboard/ dashboard/
# Fetch and cache every npm dependency at build time, so containers start offline.
RUN deno cache producer/main.ts projector/main.ts projector/replay/main.ts api/main.ts

USER deno
CMD ["deno", "task", "api"]
