import { describe, expect, it } from "vitest";
import { choosePartition, murmur2, partitionForKey } from "../../../core/eventlog/partitioner.js";

/**
 * Expected values computed with Kafka's own Java client (kafka-clients-4.1.1.jar from
 * .churnstream/kafka/libs): `Utils.murmur2(key.getBytes(UTF_8))` and
 * `Utils.toPositive(murmur2) % n`, via a one-file `java -cp 'libs/*' M.java` program.
 */
const JAVA: ReadonlyArray<{ key: string; murmur2: number; p6: number; p12: number; p7: number }> = [
  { key: "", murmur2: 275646681, p6: 3, p12: 9, p7: 2 },
  { key: "a", murmur2: -1563381124, p6: 4, p12: 4, p7: 5 },
  { key: "customer-1", murmur2: 1939597761, p6: 3, p12: 9, p7: 3 },
  { key: "customer-42", murmur2: -542987495, p6: 3, p12: 9, p7: 1 },
  { key: "cust_000123", murmur2: 634641079, p6: 1, p12: 7, p7: 2 },
  { key: "hello world", murmur2: 1221641059, p6: 1, p12: 7, p7: 2 },
  { key: "Ünïcødé-客户", murmur2: 260348537, p6: 5, p12: 5, p7: 1 },
  { key: "0123456789abcdef0123", murmur2: 203624608, p6: 4, p12: 4, p7: 5 },
];

describe("partitionForKey (Kafka's murmur2 partitioner)", () => {
  it.each(JAVA)("matches the Java client for $key", ({ key, murmur2: hash, p6, p12, p7 }) => {
    expect(murmur2(Buffer.from(key, "utf8"))).toBe(hash);
    expect(partitionForKey(key, 6)).toBe(p6);
    expect(partitionForKey(key, 12)).toBe(p12);
    expect(partitionForKey(key, 7)).toBe(p7);
    expect(partitionForKey(Buffer.from(key, "utf8"), 6)).toBe(p6);
    expect(partitionForKey(key, 1)).toBe(0);
  });

  it("hashes raw bytes, including the high-bit ones Java sees as negative", () => {
    // Java: Utils.murmur2(new byte[]{0, (byte)0xff, 0x7f, (byte)0x80, 1, 2, 3}) = -1626392350
    const bytes = Buffer.from([0, 0xff, 0x7f, 0x80, 1, 2, 3]);
    expect(murmur2(bytes)).toBe(-1626392350);
    expect(partitionForKey(bytes, 6)).toBe(4);
    expect(partitionForKey(bytes, 12)).toBe(10);
  });

  it("rejects a partition count that is not a positive integer", () => {
    expect(() => partitionForKey("a", 0)).toThrow(
      expect.objectContaining({ code: "CHURN_LOG_BAD_PARTITION" }),
    );
    expect(() => partitionForKey("a", 1.5)).toThrow(
      expect.objectContaining({ code: "CHURN_LOG_BAD_PARTITION" }),
    );
  });
});

describe("choosePartition", () => {
  const counter = () => {
    let n = 0;
    return () => n++;
  };

  it("prefers the explicit partition, then the key, then round-robin", () => {
    const next = counter();
    expect(choosePartition("t", { key: "a", value: null, partition: 5 }, 6, next)).toBe(5);
    expect(choosePartition("t", { key: "a", value: null }, 6, next)).toBe(4);
    expect([0, 1, 2, 3].map(() => choosePartition("t", { key: null, value: null }, 3, next))).toEqual([
      0, 1, 2, 0,
    ]);
  });

  it("rejects a partition outside the topic", () => {
    expect(() => choosePartition("t", { key: null, value: null, partition: 6 }, 6, counter())).toThrow(
      expect.objectContaining({ code: "CHURN_LOG_BAD_PARTITION" }),
    );
    expect(() => choosePartition("t", { key: null, value: null, partition: -1 }, 6, counter())).toThrow(
      expect.objectContaining({ code: "CHURN_LOG_BAD_PARTITION" }),
    );
  });
});
