import { randomBytes } from "node:crypto";
import { createClient } from "@clickhouse/client";
import { createClickHouseWarehouse } from "../../sinks/clickhouse/index.js";
import { nativeServiceAddresses } from "../support/services.js";
import { describeSegments } from "./segments.suite.js";

const { clickhouseUrl } = nativeServiceAddresses();
const database = `churnstream_serving_${randomBytes(4).toString("hex")}`;

describeSegments(
  `ClickHouse at ${clickhouseUrl}`,
  async () => {
    const wh = createClickHouseWarehouse({ url: clickhouseUrl, database });
    await wh.ping().catch((error: unknown) => {
      throw new Error(
        `ClickHouse is not reachable at ${clickhouseUrl} (${String(error)}). Run \`churnstream stack up\``,
      );
    });
    return wh;
  },
  async () => {
    const client = createClient({ url: clickhouseUrl });
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  },
);
