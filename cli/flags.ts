/**
 * Commander argument parsers for numeric flags, shared by the commands so every flag rejects
 * bad input with the same message.
 */
import { InvalidArgumentError } from "commander";

/**
 * A parser for a flag taking a whole number ≥ 0 (ports, counts, milliseconds).
 * @throws InvalidArgumentError naming the flag and the value when it is not a safe integer ≥ 0
 */
export function wholeNumber(flag: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < 0) {
      throw new InvalidArgumentError(`${flag} expects a whole number ≥ 0, got "${value}"`);
    }
    return parsed;
  };
}

/**
 * A parser for a flag taking any finite number (rates, margins, seeds).
 * @throws InvalidArgumentError naming the flag and the value when it is empty or not finite
 */
export function finiteNumber(flag: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === "" || !Number.isFinite(parsed)) {
      throw new InvalidArgumentError(`${flag} expects a number, got "${value}"`);
    }
    return parsed;
  };
}
