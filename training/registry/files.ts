/**
 * File-system primitives of the directory registry: a cross-process lock (a lock file created
 * with O_EXCL, broken when stale) and durable atomic replacement (write a temp file, fsync,
 * rename, fsync the directory). Works on local disks and shared volumes without fs.watch.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ChurnError } from "../../core/errors.js";

/** A unique suffix for temporary names. */
export function tempSuffix(): string {
  return `${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** fsyncs a directory so a rename inside it is durable (best effort where unsupported). */
export async function syncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch {
    // Some platforms and network filesystems cannot fsync a directory; the rename still happened.
  } finally {
    await handle?.close();
  }
}

/** Writes `data` to `path` and fsyncs it (the file must not exist). */
export async function writeDurable(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, "wx");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` atomically: readers see the old or the new content, never a mix. */
export async function replaceAtomically(path: string, data: string): Promise<void> {
  const temp = `${path}.${tempSuffix()}.tmp`;
  try {
    await writeDurable(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(join(path, ".."));
}

/** The text of a file, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export interface LockOptions {
  /** How long to wait for another holder, ms. */
  readonly timeoutMs: number;
  /** A lock file older than this is broken, ms. */
  readonly staleMs: number;
}

/**
 * Runs `work` holding the lock file `path` (created with O_EXCL, so one holder across processes
 * and hosts sharing the volume). A lock older than `staleMs` is left by a crashed holder and is
 * broken.
 * @throws ChurnError CHURN_MODEL_REGISTRY_LOCKED (retryable) when the lock stays taken for `timeoutMs`
 */
export async function withFileLock<T>(
  path: string,
  options: LockOptions,
  work: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const owner = JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() });
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      await writeDurable(path, owner);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && Date.now() - info.mtimeMs > options.staleMs) {
      await unlink(path).catch(() => {});
      continue;
    }
    if (Date.now() >= deadline) {
      const holder = await readIfExists(path).catch(() => undefined);
      throw new ChurnError(
        "CHURN_MODEL_REGISTRY_LOCKED",
        `the model registry lock ${path} is held by another process (${holder ?? "unknown"}) for more than ` +
          `${options.timeoutMs} ms; retry, or delete the lock file if that process is gone`,
        { retryable: true, details: { path, holder } },
      );
    }
    await sleep(wait);
  }
  try {
    return await work();
  } finally {
    await unlink(path).catch(() => {});
  }
}
