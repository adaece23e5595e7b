/**
 * The floor for ingestion: a bare Probot app from Slipway's own dependency tree, run in its own
 * process by bench/ingestion.ts. Probot's `Server` verifies the signature, parses the payload and
 * acks; the app's `onAny` handler does nothing. It logs like Slipway does in production (pino
 * JSON at info, one request line per delivery) so the difference is Slipway's own work.
 */
import { pino } from "pino";
import { Probot, Server } from "probot";

const env = process.env;
const log = pino({ level: env["LOG_LEVEL"] ?? "info" });
const server = new Server({
  host: "127.0.0.1",
  port: Number(env["PORT"]),
  log,
  Probot: Probot.defaults({
    appId: env["APP_ID"] ?? "1",
    privateKey: env["PRIVATE_KEY"] ?? "",
    secret: env["WEBHOOK_SECRET"] ?? "development",
    log,
  }),
});
await server.load((app) => {
  app.onAny(async () => {
    // Nothing: the floor is verifying and acking.
  });
});
await server.start();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
