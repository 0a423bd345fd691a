import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import type { StateStore } from "../../src/core/ports.js";
import { createMailTransport, signToken } from "../../src/mail/index.js";
import { createServer, type PressroomServer } from "../../src/server/index.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeDelivery, makeTopic, NOW } from "../store/contract/fixtures.js";
import { describeEngines } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { SECRET, testConfig } from "./server-fixture.js";

const clock = fixedClock(new Date(NOW));
const asylum = makeTopic("t-asylum", "asylum");
const visas = makeTopic("t-visas", "visas");
const TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz012345";
const form = (fields: Record<string, string>) => ({ method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() });

async function seed(store: StateStore): Promise<void> {
  await store.subscriptions.addTopic("ann@example.org", asylum, "web");
  await store.subscriptions.addTopic("ann@example.org", visas, "web");
  await store.subscriptions.putPending({ token: TOKEN, email: "bob@example.org", query: "small boats", frequency: "daily", createdAt: NOW });
  await store.outbox.enqueue([makeDelivery("d1", "ann@example.org", NOW, ["t-asylum"]), makeDelivery("d2", "ann@example.org", NOW, ["t-visas"])]);
}

describe("web writes while a run holds the lowdb state", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let run: StateStore | undefined;
  let serve: StateStore | undefined;
  let server: PressroomServer | undefined;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir("pressroom-writes-")));
  afterEach(async () => {
    await server?.close();
    await serve?.close();
    await run?.close();
    await cleanup();
  });

  it("one-click unsubscribe and confirm answer 200 (never 503), and the run applies them before it claims any alert", async () => {
    const first = await openLowdbState(dir, { clock });
    await seed(first);
    await first.close();
    // The run: holds the state exclusively from open to close.
    run = await openLowdbState(dir, { clock, command: "pressroom run" });
    serve = await openLowdbState(dir, { clock, mode: "shared", lockWaitMs: 200, command: "pressroom serve" });
    server = createServer({ store: serve, config: testConfig(join(dir, "inbox")), secret: SECRET, transport: createMailTransport({ outboxDir: join(dir, "outbox") }), clock });
    const { url } = await server.listen(0);

    const unsubscribe = await fetch(`${url}/unsubscribe?token=${encodeURIComponent(signToken(SECRET, { email: "ann@example.org", topicId: "t-asylum" }))}`, form({ "List-Unsubscribe": "One-Click" }));
    expect(unsubscribe.status).toBe(200);
    const confirm = await fetch(`${url}/confirm`, form({ token: TOKEN }));
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain("bob@example.org now gets alerts for small boats");

    // The run's next claim applies both first: no alert for the topic ann left, bob subscribed.
    const claimed = await run.outbox.claimDue("run", 60_000, 10, new Date(Date.parse(NOW) + 1000));
    expect(claimed.map((d) => d.id)).toEqual(["d2"]);
    expect((await run.subscriptions.get("ann@example.org"))?.topics.map((t) => t.id)).toEqual(["t-visas"]);
    expect((await run.subscriptions.get("bob@example.org"))?.topics.map((t) => t.query)).toEqual(["small boats"]);
    expect(await run.subscriptions.countPending()).toBe(0);
    expect((await run.outbox.get("d1"))?.status).toBe("cancelled");
  });
});

describeEngines("web writes through SubscriptionStore.request", (engine) => {
  it("apply at once when the state is free", async () => {
    const state = await engine.fresh();
    const store = await state.open({ clock });
    try {
      await seed(store);
      const removed = await store.subscriptions.request({ type: "remove", email: "ann@example.org", topicId: "t-asylum" });
      expect(await removed.applied).toBe(true);
      const confirmed = await store.subscriptions.request({ type: "confirm", token: TOKEN, email: "bob@example.org", topic: makeTopic("t-boats", "small boats", "daily") });
      expect(await confirmed.applied).toBe(true);
      expect((await store.subscriptions.get("ann@example.org"))?.topics.map((t) => t.id)).toEqual(["t-visas"]);
      expect((await store.subscriptions.get("bob@example.org"))?.topics.map((t) => t.id)).toEqual(["t-boats"]);
      expect(await store.subscriptions.getPending(TOKEN)).toBeUndefined();
      expect((await store.outbox.get("d1"))?.status).toBe("cancelled");
      // A repeated confirmation (token used) changes nothing.
      await (await store.subscriptions.request({ type: "confirm", token: TOKEN, email: "bob@example.org", topic: makeTopic("t-other", "other") })).applied;
      expect((await store.subscriptions.get("bob@example.org"))?.topics.map((t) => t.id)).toEqual(["t-boats"]);
    } finally {
      await store.close();
      await state.cleanup();
    }
  });
});
