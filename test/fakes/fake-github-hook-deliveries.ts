/** A webhook delivery as GitHub lists it for an app (`GET /app/hook/deliveries`). */
export interface FakeHookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
}

const LIST_PATH = /^\/app\/hook\/deliveries$/;
const ATTEMPTS_PATH = /^\/app\/hook\/deliveries\/(\d+)\/attempts$/;

/**
 * The app's webhook deliveries log: newest first, paginated with an opaque `cursor` in the Link
 * header like GitHub's; `attempts` records a redelivery request (202) and appends the new
 * attempt as a delivery with `redelivery: true`, answered as `redeliveryStatus` says.
 */
export function fakeHookDeliveries() {
  const deliveries: FakeHookDelivery[] = [];
  const redeliveryRequests: number[] = [];
  let redeliveryStatus = 200;

  function add(
    delivery: Omit<
      FakeHookDelivery,
      "id" | "delivered_at" | "duration" | "redelivery" | "status"
    > & {
      redelivery?: boolean;
    },
  ): number {
    const id = (deliveries.at(-1)?.id ?? 1000) + 1;
    deliveries.push({
      id,
      delivered_at: new Date().toISOString(),
      duration: 0.1,
      redelivery: delivery.redelivery ?? false,
      status: delivery.status_code < 400 ? "OK" : `Invalid HTTP Response: ${delivery.status_code}`,
      ...delivery,
    });
    return id;
  }

  return {
    deliveries,
    redeliveryRequests,
    setRedeliveryStatus(status: number) {
      redeliveryStatus = status;
    },
    /** Records a delivery GitHub made (oldest first when called in order). */
    add,
    matches: (path: string) => LIST_PATH.test(path) || ATTEMPTS_PATH.test(path),
    handle(method: string, path: string, query: Record<string, string>, baseUrl: string) {
      if (method === "GET" && LIST_PATH.test(path)) {
        const perPage = Math.min(100, Number(query["per_page"] ?? "30"));
        const newestFirst = [...deliveries].reverse();
        const start = query["cursor"] === undefined ? 0 : Number(query["cursor"]);
        const page = newestFirst.slice(start, start + perPage);
        const next = start + perPage < newestFirst.length ? start + perPage : undefined;
        const headers: Record<string, string> =
          next === undefined
            ? {}
            : {
                link: `<${baseUrl}/app/hook/deliveries?per_page=${perPage}&cursor=${next}>; rel="next"`,
              };
        return { status: 200, body: page, headers };
      }
      const attempt = ATTEMPTS_PATH.exec(path);
      if (method === "POST" && attempt !== null) {
        const id = Number(attempt[1]);
        const original = deliveries.find((d) => d.id === id);
        if (original === undefined) return { status: 404, body: { message: "Not Found" } };
        redeliveryRequests.push(id);
        const { guid, event, action, installation_id, repository_id } = original;
        add({
          guid,
          event,
          action,
          installation_id,
          repository_id,
          status_code: redeliveryStatus,
          redelivery: true,
        });
        return { status: 202, body: {} };
      }
      return undefined;
    },
  };
}
