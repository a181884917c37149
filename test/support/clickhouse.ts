/**
 * A throw-away ClickHouse database for an integration test: a unique name under a prefix (other
 * helpers and test files share the server), a warehouse that fails with how to start the stack
 * when the server is unreachable, and the drop that cleans up.
 */
import { randomBytes } from "node:crypto";
import { createClient } from "@clickhouse/client";
import { createClickHouseWarehouse } from "../../sinks/clickhouse/index.js";
import type { Warehouse } from "../../sinks/ports.js";
import { nativeServiceAddresses } from "./services.js";

/** What {@link scratchClickHouse} returns; `open` and `drop` fit a warehouse suite's hooks. */
export interface ScratchClickHouse {
  /** "ClickHouse at <url>": the suite's name for the backend. */
  readonly label: string;
  readonly url: string;
  /** `<prefix>_<8 hex>`. */
  readonly database: string;
  /**
   * A warehouse on the scratch database, pinged.
   * @throws Error naming the URL and `churnstream stack up` when ClickHouse does not answer
   */
  open(): Promise<Warehouse>;
  /** Drops the scratch database (after the suite). */
  drop(): Promise<void>;
}

/** A unique scratch database named `<prefix>_<random hex>` on the integration ClickHouse. */
export function scratchClickHouse(prefix: string): ScratchClickHouse {
  const { clickhouseUrl: url } = nativeServiceAddresses();
  const database = `${prefix}_${randomBytes(4).toString("hex")}`;
  return {
    label: `ClickHouse at ${url}`,
    url,
    database,
    async open() {
      const wh = createClickHouseWarehouse({ url, database });
      await wh.ping().catch((error: unknown) => {
        throw new Error(
          `ClickHouse is not reachable at ${url} (${String(error)}). Run \`churnstream stack up\``,
        );
      });
      return wh;
    },
    async drop() {
      const client = createClient({ url });
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await client.close();
    },
  };
}
