import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCodes } from "../../core/errors.js";
import type { ModelRegistry, RegistryState } from "../../training/registry/ports.js";
import { expectChurnError } from "../support/errors.js";
import { sampleInput } from "../training/registry/support.js";

/** A fresh, empty registry backend; `open` may be called several times for one backend. */
export interface ModelRegistrySubject {
  open(): ModelRegistry;
}

/** The behaviour every ModelRegistry backend must have. `factory` is called once per test. */
export function describeModelRegistryContract(
  name: string,
  factory: () => Promise<ModelRegistrySubject>,
): void {
  describe(`ModelRegistry contract: ${name}`, () => {
    const opened: ModelRegistry[] = [];
    const fresh = async () => {
      const subject = await factory();
      const open = () => {
        const registry = subject.open();
        opened.push(registry);
        return registry;
      };
      return { registry: open(), open };
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((r) => r.close()));
    });

    it("starts empty", async () => {
      const { registry } = await fresh();
      expect(await registry.state()).toEqual({ champion: null, challenger: null, versions: [], history: [] });
    });

    it("registers monotonic versions and returns each with its card, model and ONNX file", async () => {
      const { registry } = await fresh();
      const first = await registry.register(sampleInput(0.81));
      const second = await registry.register(sampleInput(0.82));
      expect([first.version, second.version]).toEqual(["v0001", "v0002"]);
      const got = await registry.get("v0002");
      expect(got.card.version).toBe("v0002");
      expect(got.card.metrics.roc_auc).toBe(0.82);
      expect(got.model.kind).toBe("gbdt");
      expect([...(await readFile(got.onnxPath))]).toEqual([8, 7, 1, 2, 3]);
      const state = await registry.state();
      expect(state.versions).toEqual(["v0001", "v0002"]);
      expect(state.champion).toBeNull();
      expect(state.history.map((e) => e.action)).toEqual(["register", "register"]);
    });

    it("throws CHURN_MODEL_NOT_FOUND for unknown versions", async () => {
      const { registry } = await fresh();
      await registry.register(sampleInput());
      await expectChurnError(registry.get("v0009"), ErrorCodes.CHURN_MODEL_NOT_FOUND);
      await expectChurnError(registry.get("../etc"), ErrorCodes.CHURN_MODEL_NOT_FOUND);
      await expectChurnError(registry.promote("v0009", "test"), ErrorCodes.CHURN_MODEL_NOT_FOUND);
    });

    it("promotes and rolls back along the champion lineage", async () => {
      const { registry } = await fresh();
      for (let i = 0; i < 3; i++) await registry.register(sampleInput());
      await registry.promote("v0001", "first");
      await registry.promote("v0002", "better");
      let state = await registry.promote("v0003", "better still");
      expect(state.champion).toBe("v0003");
      expect(state.history.at(-1)).toMatchObject({
        action: "promote",
        version: "v0003",
        previousChampion: "v0002",
      });
      state = await registry.rollback("v0003 misbehaves");
      expect(state.champion).toBe("v0002");
      expect(state.history.at(-1)).toMatchObject({
        action: "rollback",
        version: "v0002",
        previousChampion: "v0003",
      });
      state = await registry.rollback("v0002 too", true);
      expect(state.champion).toBe("v0001");
      expect(state.history.at(-1)?.action).toBe("auto-rollback");
      await expectChurnError(registry.rollback("nothing left"), ErrorCodes.CHURN_MODEL_NO_PREVIOUS);
      expect((await registry.state()).champion).toBe("v0001");
    });

    it("throws CHURN_MODEL_NO_PREVIOUS with a single champion", async () => {
      const { registry } = await fresh();
      await registry.register(sampleInput());
      await registry.promote("v0001", "only one");
      await expectChurnError(registry.rollback("why"), ErrorCodes.CHURN_MODEL_NO_PREVIOUS);
    });

    it("keeps one challenger, cleared when promoted or set to null", async () => {
      const { registry } = await fresh();
      for (let i = 0; i < 3; i++) await registry.register(sampleInput());
      await registry.promote("v0001", "first");
      let state = await registry.setChallenger("v0002", "shadow");
      expect(state).toMatchObject({ champion: "v0001", challenger: "v0002" });
      await expectChurnError(registry.setChallenger("v0001", "self"), ErrorCodes.CHURN_MODEL_INVALID);
      state = await registry.promote("v0002", "won the A/B");
      expect(state).toMatchObject({ champion: "v0002", challenger: null });
      await registry.setChallenger("v0003", "next");
      state = await registry.setChallenger(null, "abandoned");
      expect(state.challenger).toBeNull();
      expect(state.history.at(-1)).toMatchObject({ action: "demote", version: "v0003" });
    });

    it("shares state between instances and tells watchers about role changes", async () => {
      const { registry, open } = await fresh();
      await registry.register(sampleInput());
      await registry.register(sampleInput());
      await registry.promote("v0001", "first");
      const other = open();
      const seen: RegistryState[] = [];
      const unsubscribe = other.watch((state) => seen.push(state));
      await new Promise((resolve) => setTimeout(resolve, 150));
      await registry.promote("v0002", "better");
      await expect.poll(() => seen.at(-1)?.champion, { timeout: 5_000 }).toBe("v0002");
      unsubscribe();
      expect((await other.get("v0002")).version).toBe("v0002");
    });

    it("never loses a registration when instances register concurrently", async () => {
      const { registry, open } = await fresh();
      const other = open();
      const done = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? registry : other).register(sampleInput())),
      );
      const versions = done.map((v) => v.version).sort();
      expect(new Set(versions).size).toBe(8);
      expect((await registry.state()).versions.sort()).toEqual(versions);
    });
  });
}
