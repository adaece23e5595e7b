import { readFileSync } from "node:fs";
import os from "node:os";

function osName(): string {
  try {
    return (
      /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? os.type()
    );
  } catch {
    return os.type();
  }
}

/** What the figures were measured on. */
export function machine(redisVersion: string) {
  return {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? "?",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: osName(),
    node: process.version,
    redis: redisVersion,
  };
}

export type Machine = ReturnType<typeof machine>;
