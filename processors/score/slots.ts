/**
 * The scorer's loaded models: the champion and the shadow challenger, kept in line with the
 * registry. A new version is loaded fully (session, explainer) while the current pair keeps
 * scoring; the swap itself goes through the runner's serial queue, i.e. between two batches.
 * Also owns the drift monitor, which follows the champion.
 */
import { ChurnError, errorMessage } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { MODEL_FEATURES } from "../../training/model.js";
import type { ModelRegistry } from "../../training/registry/ports.js";
import { DriftMonitor } from "./drift.js";
import type { ScoreMetrics } from "./metrics.js";
import { type LoadedModel, loadModel, type SessionFactory } from "./model.js";
import type { ModelPair } from "./pipeline.js";

/** A registry, with the directory backend's bootstrap install when available. */
export type ScorerRegistry = ModelRegistry & {
  installBootstrap?(): Promise<string | null>;
  readonly options?: { readonly installBootstrap: boolean };
};

export interface ModelSlotsDeps {
  readonly registry: ScorerRegistry;
  readonly factory: SessionFactory;
  readonly options: {
    readonly intraOpNumThreads: number;
    readonly shadow: boolean;
    readonly driftWindow: number;
  };
  readonly metrics: ScoreMetrics;
  readonly logger: Logger | undefined;
  /** Runs `work` between batches (the runner's serial queue). */
  readonly between: <T>(work: () => Promise<T>) => Promise<T>;
}

/** A version that failed to load is retried after this long. */
const RETRY_FAILED_LOAD_MS = 60_000;

export class ModelSlots {
  readonly #deps: ModelSlotsDeps;
  #pair: ModelPair | undefined;
  #drift: DriftMonitor | undefined;
  #reconciling: Promise<void> | undefined;
  #again = false;
  #closed = false;
  readonly #failedLoads = new Map<string, number>();

  constructor(deps: ModelSlotsDeps) {
    this.#deps = deps;
  }

  /** The models the next batch is scored with. */
  get pair(): ModelPair | undefined {
    return this.#pair;
  }

  get drift(): DriftMonitor | undefined {
    return this.#drift;
  }

  /**
   * Loads the champion (installing the bootstrap model into an empty registry) and the challenger.
   * @throws ChurnError CHURN_MODEL_NO_CHAMPION, CHURN_MODEL_INVALID, CHURN_MODEL_NOT_FOUND
   */
  async open(): Promise<ModelPair> {
    const { registry, logger, options } = this.#deps;
    let state = await registry.state();
    const bootstrap = registry.installBootstrap !== undefined && registry.options?.installBootstrap !== false;
    if (state.champion === null && bootstrap) {
      await registry.installBootstrap!().catch((error: unknown) => {
        logger?.warn({ err: error }, "bootstrap model not installed");
      });
      state = await registry.state();
    }
    if (state.champion === null) {
      throw new ChurnError(
        "CHURN_MODEL_NO_CHAMPION",
        "the model registry has no champion: train one with `churnstream retrain` or promote a version with " +
          "`churnstream models promote <version>` (see `churnstream models list`)",
      );
    }
    const champion = await this.#load(state.champion);
    const wanted = options.shadow ? state.challenger : null;
    const challenger =
      wanted === null
        ? undefined
        : await this.#load(wanted).catch((error: unknown) => {
            logger?.error({ err: error, version: wanted }, "challenger not loaded; scoring without shadow");
            return undefined;
          });
    const pair = { champion, challenger };
    this.#install(pair);
    return pair;
  }

  #load(version: string): Promise<LoadedModel> {
    const { registry, factory, options } = this.#deps;
    return loadModel(registry, version, factory, { intraOpNumThreads: options.intraOpNumThreads });
  }

  #install(pair: ModelPair): void {
    const { metrics, options } = this.#deps;
    const previous = this.#pair;
    this.#pair = pair;
    if (previous?.champion.version !== pair.champion.version) {
      this.#drift = new DriftMonitor(
        MODEL_FEATURES,
        options.driftWindow,
        pair.champion.card.reference_distribution,
      );
    }
    metrics.modelInfo.reset();
    metrics.modelInfo.set({ ...metrics.labels, role: "champion", version: pair.champion.version }, 1);
    if (pair.challenger)
      metrics.modelInfo.set({ ...metrics.labels, role: "challenger", version: pair.challenger.version }, 1);
  }

  /** Brings the loaded models in line with the registry; resolves once done (coalesces calls). */
  reconcile(): Promise<void> {
    if (this.#reconciling !== undefined) {
      this.#again = true;
      return this.#reconciling;
    }
    this.#reconciling = (async () => {
      do {
        this.#again = false;
        await this.#reconcileOnce().catch((error: unknown) => {
          this.#deps.metrics.errors.inc({ ...this.#deps.metrics.labels, kind: "reload" });
          this.#deps.logger?.error(
            { err: error },
            "model registry check failed; scoring with the loaded models",
          );
        });
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#reconciling = undefined;
    });
    return this.#reconciling;
  }

  async #reconcileOnce(): Promise<void> {
    const current = this.#pair;
    if (current === undefined || this.#closed) return;
    const { registry, metrics, logger, options } = this.#deps;
    const state = await registry.state();
    const wantChampion = state.champion ?? current.champion.version;
    const wantChallenger = options.shadow ? state.challenger : null;
    if (wantChampion === current.champion.version && wantChallenger === (current.challenger?.version ?? null))
      return;
    const pool = new Map<string, LoadedModel>([[current.champion.version, current.champion]]);
    if (current.challenger) pool.set(current.challenger.version, current.challenger);
    const loaded: LoadedModel[] = [];
    const obtain = async (version: string, role: string): Promise<LoadedModel | undefined> => {
      const reuse = pool.get(version);
      if (reuse !== undefined) return reuse;
      const failedAt = this.#failedLoads.get(version);
      if (failedAt !== undefined && Date.now() - failedAt < RETRY_FAILED_LOAD_MS) return undefined;
      try {
        const model = await this.#load(version);
        loaded.push(model);
        metrics.reloads.inc({ ...metrics.labels, role, result: "ok" });
        return model;
      } catch (error) {
        this.#failedLoads.set(version, Date.now());
        metrics.reloads.inc({ ...metrics.labels, role, result: "failed" });
        logger?.error(
          { err: error, version, role },
          `model ${version} could not be loaded (${errorMessage(error)}); keeping the current ${role}`,
        );
        return undefined;
      }
    };
    const champion = (await obtain(wantChampion, "champion")) ?? current.champion;
    let challenger = wantChallenger === null ? undefined : await obtain(wantChallenger, "challenger");
    if (challenger?.version === champion.version) challenger = undefined;
    const next: ModelPair = { champion, challenger };
    // The swap waits for the batch in flight; the next batch uses the new models.
    await this.#deps.between(async () => this.#install(next));
    const inUse = new Set<LoadedModel | undefined>([champion, challenger]);
    for (const model of [...pool.values(), ...loaded]) {
      if (!inUse.has(model)) await model.session.close().catch(() => {});
    }
    logger?.info(
      {
        champion: champion.version,
        challenger: challenger?.version ?? null,
        previous: current.champion.version,
      },
      "scorer models reloaded",
    );
  }

  /** Updates the PSI gauges from the drift window. */
  updateDrift(): void {
    const { metrics, logger } = this.#deps;
    try {
      const values = this.#drift?.compute();
      if (values === undefined) return;
      for (const [feature, value] of values) metrics.psi.set({ ...metrics.labels, feature }, value);
    } catch (error) {
      metrics.errors.inc({ ...metrics.labels, kind: "drift" });
      logger?.warn({ err: error }, "drift update failed");
    }
  }

  /** Waits for a reload in progress and releases the sessions. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#reconciling?.catch(() => {});
    const pair = this.#pair;
    if (pair) await Promise.allSettled([pair.champion.session.close(), pair.challenger?.session.close()]);
  }
}
