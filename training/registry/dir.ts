/**
 * The directory ModelRegistry: one folder per version (model.onnx, model.json, card.json,
 * card.md) and registry.json holding the roles and the history. Every change takes the
 * registry's lock file, re-reads registry.json, applies a pure state change (state.ts) and
 * replaces the file atomically, so processes sharing the directory never lose an update.
 * Readers never lock: a rename is atomic. `watch` polls (fs.watch misses changes on shared volumes).
 */
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ChurnError, errorMessage, isChurnError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { readIfExists, replaceAtomically, syncDir, tempSuffix, withFileLock, writeDurable } from "./files.js";
import {
  bootstrapDir,
  checkModel,
  invalid,
  type RegisterInput,
  RegistryFiles,
  readBootstrap,
  readJson,
} from "./folder.js";
import {
  compileModelRegistryOptions,
  type ModelRegistryOptions,
  type ModelRegistryOptionsInput,
} from "./options.js";
import type { ModelCard, ModelRegistry, ModelVersion, RegistryState } from "./ports.js";

export { bootstrapDir, type RegisterInput, RegistryFiles, readBootstrap } from "./folder.js";

import {
  emptyState,
  nextVersion,
  parseState,
  VERSION_PATTERN,
  withChallenger,
  withPromoted,
  withRegistered,
  withRolledBack,
} from "./state.js";

/** A directory registry: the port plus where it lives. */
export interface DirModelRegistry extends ModelRegistry {
  readonly dir: string;
  readonly options: Readonly<ModelRegistryOptions>;
  /**
   * Registers the model in `fromDir` (model.onnx, model.json, card.json, card.md) and promotes
   * it, when the registry has no version yet; one lock, so two processes starting together
   * install it once. Returns the new version, or null when the registry was not empty.
   * @default fromDir the bootstrap model shipped in training/bootstrap/
   * @throws ChurnError CHURN_MODEL_INVALID when a bootstrap file is missing or unreadable
   */
  installBootstrap(fromDir?: string): Promise<string | null>;
}

class DirRegistry implements DirModelRegistry {
  readonly dir: string;
  readonly options: Readonly<ModelRegistryOptions>;
  readonly #logger: Logger | undefined;
  readonly #cache = new Map<string, Promise<ModelVersion>>();
  readonly #listeners = new Set<(state: RegistryState) => void>();
  #poller: NodeJS.Timeout | undefined;
  #lastSeen = "";
  #polling = false;

  constructor(options: Readonly<ModelRegistryOptions>, logger: Logger | undefined) {
    this.options = options;
    this.dir = options.dir;
    this.#logger = logger;
  }

  #path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  async state(): Promise<RegistryState> {
    const path = this.#path(RegistryFiles.state);
    const text = await readIfExists(path);
    return text === undefined ? emptyState() : parseState(text, path);
  }

  get(version: string): Promise<ModelVersion> {
    let pending = this.#cache.get(version);
    if (pending === undefined) {
      pending = this.#load(version);
      this.#cache.set(version, pending);
      pending.catch(() => this.#cache.delete(version));
    }
    return pending;
  }

  async #load(version: string): Promise<ModelVersion> {
    const state = await this.state();
    if (!VERSION_PATTERN.test(version) || !state.versions.includes(version)) {
      throw new ChurnError(
        "CHURN_MODEL_NOT_FOUND",
        `model version ${version} is not in the registry at ${this.dir} (versions: ${state.versions.join(", ") || "none"}); ` +
          "list them with `churnstream models list`",
        { details: { version, dir: this.dir } },
      );
    }
    const folder = this.#path(version);
    const cardPath = join(folder, RegistryFiles.card);
    const card = (await readJson(cardPath)) as ModelCard;
    if (card === null || typeof card !== "object" || card.version !== version)
      throw invalid(cardPath, `does not describe ${version}`);
    const modelPath = join(folder, RegistryFiles.model);
    const model = checkModel(await readJson(modelPath), modelPath);
    const onnxPath = join(folder, RegistryFiles.onnx);
    const info = await stat(onnxPath).catch((error: unknown) => {
      throw invalid(onnxPath, `is missing (${errorMessage(error)})`, error);
    });
    const registered = state.history.find((e) => e.action === "register" && e.version === version);
    return { version, card, model, onnxPath, registeredAt: registered?.at ?? info.mtime.toISOString() };
  }

  /** Runs a read-modify-write of registry.json under the lock. */
  async #mutate(
    change: (state: RegistryState) => Promise<RegistryState> | RegistryState,
  ): Promise<RegistryState> {
    await mkdir(this.dir, { recursive: true });
    const { lockTimeoutMs: timeoutMs, staleLockMs: staleMs } = this.options;
    return withFileLock(this.#path(RegistryFiles.lock), { timeoutMs, staleMs }, async () => {
      const path = this.#path(RegistryFiles.state);
      const before = await readIfExists(path);
      const current = before === undefined ? emptyState() : parseState(before, path);
      const next = await change(current);
      if (next === current) return current;
      if (before !== undefined) await replaceAtomically(this.#path(RegistryFiles.previousState), before);
      await replaceAtomically(path, `${JSON.stringify(next, null, 2)}\n`);
      return next;
    });
  }

  /** Writes a version folder (temp folder, fsync, rename) for the next id; call under the lock. */
  async #writeVersion(state: RegistryState, input: RegisterInput): Promise<string> {
    // Folders count too: a crash between the rename and the state write must not reuse an id.
    const folders = (await readdir(this.dir)).filter((name) => VERSION_PATTERN.test(name));
    const version = nextVersion([...state.versions, ...folders]);
    const temp = this.#path(`.tmp-${version}-${tempSuffix()}`);
    await mkdir(temp);
    try {
      const card = { ...input.card, version } as ModelCard;
      await writeDurable(join(temp, RegistryFiles.onnx), input.onnx);
      await writeDurable(join(temp, RegistryFiles.model), JSON.stringify(input.model));
      await writeDurable(join(temp, RegistryFiles.card), `${JSON.stringify(card, null, 2)}\n`);
      await writeDurable(join(temp, RegistryFiles.cardMarkdown), input.cardMarkdown);
      await syncDir(temp);
      await rename(temp, this.#path(version));
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    await syncDir(this.dir);
    return version;
  }

  async register(input: RegisterInput): Promise<ModelVersion> {
    let version = "";
    await this.#mutate(async (state) => {
      version = await this.#writeVersion(state, input);
      return withRegistered(state, version, new Date().toISOString());
    });
    this.#logger?.info({ version, dir: this.dir }, "model version registered");
    return this.get(version);
  }

  async installBootstrap(fromDir = bootstrapDir()): Promise<string | null> {
    let installed: string | null = null;
    await this.#mutate(async (state) => {
      if (state.versions.length > 0) return state;
      const input = await readBootstrap(fromDir);
      const version = await this.#writeVersion(state, input);
      installed = version;
      const at = new Date().toISOString();
      return withPromoted(
        withRegistered(state, version, at),
        version,
        "bootstrap model shipped with churnstream",
        at,
      );
    });
    if (installed !== null)
      this.#logger?.info({ version: installed, from: fromDir }, "bootstrap model installed as champion");
    return installed;
  }

  promote(version: string, reason: string): Promise<RegistryState> {
    return this.#mutate((state) => withPromoted(state, version, reason, new Date().toISOString()));
  }

  setChallenger(version: string | null, reason: string): Promise<RegistryState> {
    return this.#mutate((state) => withChallenger(state, version, reason, new Date().toISOString()));
  }

  rollback(reason: string, automatic = false): Promise<RegistryState> {
    return this.#mutate((state) => withRolledBack(state, reason, automatic, new Date().toISOString()));
  }

  watch(listener: (state: RegistryState) => void): () => void {
    this.#listeners.add(listener);
    if (this.#poller === undefined) {
      // The first poll only records what is there: listeners hear about changes, not the start.
      void this.#poll(true);
      this.#poller = setInterval(() => void this.#poll(false), this.options.pollIntervalMs).unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#poller !== undefined) {
        clearInterval(this.#poller);
        this.#poller = undefined;
        this.#lastSeen = "";
      }
    };
  }

  async #poll(initial: boolean): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const text = (await readIfExists(this.#path(RegistryFiles.state))) ?? "";
      if (text === this.#lastSeen) return;
      const state = text === "" ? emptyState() : parseState(text, this.#path(RegistryFiles.state));
      const first = initial && this.#lastSeen === "";
      this.#lastSeen = text;
      if (first) return;
      for (const listener of this.#listeners) {
        try {
          listener(state);
        } catch (error) {
          this.#logger?.error({ err: error }, "model registry listener failed");
        }
      }
    } catch (error) {
      // A corrupt file is reported once per content; the last good state stays in force.
      if (isChurnError(error)) this.#logger?.error({ err: error }, "model registry unreadable");
      else this.#logger?.warn({ err: error }, "model registry poll failed");
    } finally {
      this.#polling = false;
    }
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    if (this.#poller !== undefined) clearInterval(this.#poller);
    this.#poller = undefined;
  }
}

/**
 * Opens (lazily creating) a directory model registry.
 * @throws ChurnError CHURN_CONFIG_INVALID when `options` are invalid
 */
export function createDirModelRegistry(
  options: ModelRegistryOptionsInput | Readonly<ModelRegistryOptions>,
  deps: { logger?: Logger } = {},
): DirModelRegistry {
  return new DirRegistry(compileModelRegistryOptions(options as ModelRegistryOptionsInput), deps.logger);
}
