import { readFile } from "node:fs/promises";
import { ConfigError } from "./env.ts";

const PEM = /^-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/**
 * The GitHub App's private key from `PRIVATE_KEY` (PEM text, with `\n` escapes as .env files
 * write it, or base64 of the PEM) or from the file at `PRIVATE_KEY_PATH`.
 */
export async function loadPrivateKey(
  source: { value: string } | { path: string },
): Promise<string> {
  if ("path" in source) {
    try {
      return await readFile(source.path, "utf8");
    } catch (error) {
      throw new ConfigError(
        `PRIVATE_KEY_PATH=${JSON.stringify(source.path)}: cannot read the file`,
        {
          cause: error,
        },
      );
    }
  }
  const text = source.value.replaceAll("\\n", "\n").trim();
  if (PEM.test(text)) return text;
  const decoded = Buffer.from(text, "base64").toString("utf8").trim();
  if (PEM.test(decoded)) return decoded;
  throw new ConfigError(
    "PRIVATE_KEY=(hidden): not a PEM private key; paste the .pem file GitHub gave you, or set PRIVATE_KEY_PATH",
  );
}
