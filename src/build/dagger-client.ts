import { Client, Context, GraphQLClient } from "@dagger.io/dagger";
import { Agent, fetch as undiciFetch } from "undici";

/**
 * Engine calls can take as long as a build (`sync` and `publish` answer when the work is done),
 * so no headers or body timeout: Node's fetch would give up after 5 minutes and the build would
 * look like an unreachable engine. The build's own timeout and cancel signal bound the wait.
 */
const engineAgent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

export interface DaggerSession {
  /** Port of a running engine session on 127.0.0.1 (`dagger session`, or `dagger run`). */
  port: number;
  token: string;
}

/**
 * A Dagger SDK client for one engine session and one build, built from explicit settings rather
 * than the SDK's `connect()`: that one reads process-wide variables and, without them, downloads
 * the Dagger CLI — neither is acceptable in a worker that serves many tenants. The request shape
 * (POST /query, basic auth with the token as user) is the SDK's own. Aborting `signal` aborts
 * the build's requests in flight (a superseded or timed-out build stops waiting on the engine).
 */
export function daggerClient(session: DaggerSession, signal?: AbortSignal): Client {
  const gql = new GraphQLClient(`http://127.0.0.1:${session.port}/query`, {
    headers: { Authorization: `Basic ${Buffer.from(`${session.token}:`).toString("base64")}` },
    fetch: ((url: string | URL, init?: Parameters<typeof undiciFetch>[1]) =>
      undiciFetch(url, {
        ...init,
        dispatcher: engineAgent,
        ...(signal === undefined ? {} : { signal }),
      })) as unknown as typeof fetch,
  });
  // The SDK's Connection class is not exported; Context only calls getGQLClient() on it.
  const connection = { getGQLClient: () => gql } as unknown as ConstructorParameters<
    typeof Context
  >[1];
  return new Client(new Context([], connection));
}
