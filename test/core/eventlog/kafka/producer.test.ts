/** Producer compression: the option, its default, and what reaches kafkajs. */
import kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import { compileKafkaEventLogOptions } from "../../../../core/eventlog/kafka/options.js";
import { KafkaProducer } from "../../../../core/eventlog/kafka/producer.js";
import { createEventLogMetrics } from "../../../../core/eventlog/metrics.js";

const { CompressionCodecs, CompressionTypes } = kafkajs;

function fakeClient() {
  const sent: kafkajs.ProducerRecord[] = [];
  const client = {
    connect: async () => {},
    disconnect: async () => {},
    send: async (record: kafkajs.ProducerRecord) => {
      sent.push(record);
      return [{ topicName: record.topic, partition: 0, errorCode: 0, baseOffset: "0" }];
    },
  } as unknown as kafkajs.Producer;
  return { client, sent };
}

describe("kafka producer compression", () => {
  it("defaults to snappy and accepts none, gzip and snappy only", () => {
    expect(compileKafkaEventLogOptions({}).compression).toBe("snappy");
    expect(compileKafkaEventLogOptions({ compression: "gzip" }).compression).toBe("gzip");
    expect(() => compileKafkaEventLogOptions({ compression: "lz4" as never })).toThrow(
      /eventLog\.kafka\.compression = "lz4".*none.*gzip.*snappy/,
    );
  });

  it("registers a snappy codec with kafkajs that round-trips", async () => {
    const codec = (
      CompressionCodecs[CompressionTypes.Snappy] as () => {
        compress(encoder: { buffer: Buffer }): Promise<Buffer>;
        decompress(buffer: Buffer): Promise<Buffer>;
      }
    )();
    const data = Buffer.from("churnstream ".repeat(100));
    const compressed = await codec.compress({ buffer: data });
    expect(compressed.length).toBeLessThan(data.length);
    expect((await codec.decompress(compressed)).equals(data)).toBe(true);
  });

  it("sends batches with the configured codec", async () => {
    for (const [option, type] of [
      ["none", CompressionTypes.None],
      ["gzip", CompressionTypes.GZIP],
      ["snappy", CompressionTypes.Snappy],
    ] as const) {
      const { client, sent } = fakeClient();
      const producer = new KafkaProducer(
        client,
        { partitionCount: async () => 1 },
        ["127.0.0.1:9092"],
        createEventLogMetrics(),
        () => {},
        option,
      );
      await producer.send("t", [{ key: "k", value: Buffer.from("v") }]);
      expect(sent[0]?.compression).toBe(type);
      await producer.close();
    }
  });
});
