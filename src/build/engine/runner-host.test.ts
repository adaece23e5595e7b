import { describe, expect, it } from "vitest";
import { runnerHost } from "./runner-host.ts";

describe("runnerHost", () => {
  it.each([
    [42, "kube-pod://dagger-engine-0?namespace=slipway-42-build&container=engine"],
    [7, "kube-pod://dagger-engine-0?namespace=slipway-7-build&container=engine"],
  ])("installation %i → %s", (installationId, expected) => {
    expect(runnerHost(installationId)).toBe(expected);
  });

  it("gives two installations different engines", () => {
    expect(runnerHost(1)).not.toBe(runnerHost(11));
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses installation id %s", (installationId) => {
    expect(() => runnerHost(installationId)).toThrow(/installationId/);
  });
});
