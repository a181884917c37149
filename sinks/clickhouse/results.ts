/**
 * ClickHouse `FORMAT JSON` results → the plain values the Warehouse port promises, using the
 * column types in `meta`: 64-bit integers (quoted in JSON) as numbers when safe, DateTime as
 * ISO strings, the zero dates ClickHouse 18.16 prints for the epoch as the epoch.
 */

/** The part of a `FORMAT JSON` response this module reads. */
export interface JsonResponse {
  meta?: readonly { name: string; type: string }[];
  data?: readonly Record<string, unknown>[];
}

type Converter = (value: unknown) => unknown;

/**
 * Rows of a response, converted column by column. `serverTimeZone` is the zone of `DateTime`
 * values without an explicit zone (the server's `timezone()`).
 */
export function plainRows(response: JsonResponse, serverTimeZone = "UTC"): Record<string, unknown>[] {
  const converters = (response.meta ?? []).map(
    ({ name, type }) => [name, converterFor(type, serverTimeZone)] as const,
  );
  return (response.data ?? []).map((row) => {
    const out: Record<string, unknown> = { ...row };
    for (const [name, convert] of converters) {
      if (name in out) out[name] = convert(out[name]);
    }
    return out;
  });
}

/** The converter for one ClickHouse type name (`Nullable(...)` unwrapped). */
export function converterFor(type: string, serverTimeZone = "UTC"): Converter {
  const inner = type.replace(/^Nullable\((.*)\)$/, "$1");
  if (/^U?Int(64|128|256)$/.test(inner)) return integer;
  const zoned = /^DateTime(?:\('([^']+)'\))?$/.exec(inner);
  if (zoned) {
    const zone = zoned[1] ?? serverTimeZone;
    return (value) => dateTime(value, zone);
  }
  if (inner === "Date") return date;
  return identity;
}

function identity(value: unknown): unknown {
  return value;
}

function integer(value: unknown): unknown {
  if (typeof value !== "string" || !/^-?\d+$/.test(value)) return value;
  const big = BigInt(value);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(big)
    : value;
}

function dateTime(value: unknown, zone: string): unknown {
  if (typeof value !== "string") return value;
  if (value === "0000-00-00 00:00:00") return new Date(0).toISOString();
  const wall = Date.parse(`${value.replace(" ", "T")}Z`);
  if (!Number.isFinite(wall)) return value;
  if (zone === "UTC" || zone === "Etc/UTC") return new Date(wall).toISOString();
  // ClickHouse prints wall-clock time in the column's zone; find the instant showing that time.
  let instant = wall - offsetMs(zone, wall);
  instant = wall - offsetMs(zone, instant);
  return new Date(instant).toISOString();
}

/** How far `zone`'s wall clock is ahead of UTC at `instant`. */
function offsetMs(zone: string, instant: number): number {
  try {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      })
        .formatToParts(new Date(instant))
        .map((p) => [p.type, p.value]),
    );
    const asUtc = Date.UTC(
      +parts.year!,
      +parts.month! - 1,
      +parts.day!,
      +parts.hour!,
      +parts.minute!,
      +parts.second!,
    );
    return asUtc - Math.floor(instant / 1000) * 1000;
  } catch {
    // An unknown zone name: report the wall-clock time as if it were UTC rather than fail.
    return 0;
  }
}

function date(value: unknown): unknown {
  return value === "0000-00-00" ? "1970-01-01" : value;
}
