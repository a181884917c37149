/** Assertions on the ChurnErrors the ports throw, shared by every contract suite and test. */
import { expect } from "vitest";
import { type ErrorCode, isChurnError } from "../../core/errors.js";

const RESOLVED = Symbol("resolved");

/**
 * Asserts that `promise` rejects with a ChurnError of `code`; on failure the message shows what
 * it rejected with instead, or that it resolved.
 */
export async function expectChurnError(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await promise.then(
    () => RESOLVED,
    (thrown: unknown) => thrown,
  );
  const got =
    error === RESOLVED
      ? "no error (it resolved)"
      : isChurnError(error)
        ? `${error.code} (${error.message})`
        : String(error);
  expect(isChurnError(error, code), `expected a ChurnError ${code}, got ${got}`).toBe(true);
}
