import { describe, expect, it } from "vitest";
import { EventLogClients } from "../../../core/eventlog/clients.js";

class FakeClient {
  constructor(
    private readonly order: string[],
    readonly name: string,
    private readonly onClosed: (self: FakeClient) => void,
  ) {}
  async close(): Promise<void> {
    this.order.push(this.name);
    this.onClosed(this);
  }
}

describe("EventLogClients", () => {
  it("closes consumers before producers, once, and refuses new clients afterwards", async () => {
    const order: string[] = [];
    const clients = new EventLogClients<FakeClient, FakeClient>();
    clients.producer((onClosed) => new FakeClient(order, "p1", onClosed));
    clients.consumer((onClosed) => new FakeClient(order, "c1", onClosed));
    clients.consumer((onClosed) => new FakeClient(order, "c2", onClosed));
    expect(await clients.close()).toBe(true);
    expect(order).toEqual(["c1", "c2", "p1"]);
    expect(await clients.close()).toBe(false);
    expect(order).toHaveLength(3);
    const { assertOpen } = clients;
    expect(() => assertOpen()).toThrow(expect.objectContaining({ code: "CHURN_LOG_CLOSED" }));
    expect(() => clients.producer((onClosed) => new FakeClient(order, "p2", onClosed))).toThrow(
      expect.objectContaining({ code: "CHURN_LOG_CLOSED" }),
    );
  });

  it("forgets a client that closed itself", async () => {
    const order: string[] = [];
    const clients = new EventLogClients<FakeClient, FakeClient>();
    const consumer = clients.consumer((onClosed) => new FakeClient(order, "c1", onClosed));
    await consumer.close();
    await clients.close();
    expect(order).toEqual(["c1"]);
  });

  it("does not track a client whose construction failed", async () => {
    const clients = new EventLogClients<FakeClient, FakeClient>();
    expect(() =>
      clients.consumer(() => {
        throw new Error("bad options");
      }),
    ).toThrow("bad options");
    expect(await clients.close()).toBe(true);
  });
});
