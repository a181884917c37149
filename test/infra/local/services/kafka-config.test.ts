import { describe, expect, it } from "vitest";
import {
  clusterIdFromMetaProperties,
  kafkaFormatArgs,
  kafkaJavaArgs,
  kafkaPaths,
  newClusterId,
  renderLog4j2Config,
  renderServerProperties,
} from "../../../../infra/local/services/kafka-config.js";

function parse(properties: string): Map<string, string> {
  const entries = properties
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as [string, string]);
  return new Map(entries);
}

describe("renderServerProperties", () => {
  const props = parse(
    renderServerProperties({
      host: "127.0.0.1",
      port: 9092,
      controllerPort: 9093,
      dataDir: "/s/kafka/data",
      numPartitions: 3,
    }),
  );

  it("configures a combined KRaft node on localhost", () => {
    expect(props.get("process.roles")).toBe("broker,controller");
    expect(props.get("controller.quorum.voters")).toBe("1@127.0.0.1:9093");
    expect(props.get("listeners")).toBe("PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093");
    expect(props.get("advertised.listeners")).toBe("PLAINTEXT://127.0.0.1:9092");
    expect(props.get("log.dirs")).toBe("/s/kafka/data");
    expect(props.get("num.partitions")).toBe("3");
  });

  it("fits one broker and explicit topic creation", () => {
    expect(props.get("offsets.topic.replication.factor")).toBe("1");
    expect(props.get("transaction.state.log.replication.factor")).toBe("1");
    expect(props.get("transaction.state.log.min.isr")).toBe("1");
    expect(props.get("group.initial.rebalance.delay.ms")).toBe("0");
    expect(props.get("auto.create.topics.enable")).toBe("false");
  });

  it("lets a crashed broker re-register quickly", () => {
    expect(Number(props.get("broker.session.timeout.ms"))).toBeLessThanOrEqual(3000);
    expect(Number(props.get("broker.heartbeat.interval.ms"))).toBeLessThan(
      Number(props.get("broker.session.timeout.ms")),
    );
  });

  it("has no duplicate keys", () => {
    const keys = renderServerProperties({
      host: "h",
      port: 1,
      controllerPort: 2,
      dataDir: "/d",
      numPartitions: 1,
    })
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => l.split("=")[0]);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("log4j2 config and JVM arguments", () => {
  const paths = kafkaPaths("/state");

  it("logs to a rolling file under the state dir, not to stdout", () => {
    const xml = renderLog4j2Config(paths.serverLog);
    expect(xml).toContain('fileName="/state/kafka/logs/server.log"');
    expect(xml).toContain("SizeBasedTriggeringPolicy");
    expect(xml).not.toMatch(/<Console/);
  });

  it("escapes XML in paths", () => {
    expect(renderLog4j2Config('/a&b/"x"/server.log')).toContain(
      'fileName="/a&amp;b/&quot;x&quot;/server.log"',
    );
  });

  it("runs kafka.Kafka with a bounded heap, our log4j2 config and the libs wildcard", () => {
    const args = kafkaJavaArgs(paths, 512);
    expect(args).toContain("-Xmx512m");
    expect(args).toContain("-Dlog4j2.configurationFile=/state/kafka/log4j2.xml");
    expect(args.slice(-4)).toEqual([
      "-cp",
      "/state/kafka/libs/*",
      "kafka.Kafka",
      "/state/kafka/server.properties",
    ]);
  });

  it("formats with the given cluster id and tolerates an already formatted dir", () => {
    const args = kafkaFormatArgs(paths, "abc");
    expect(args).toContain("kafka.tools.StorageTool");
    expect(args.slice(args.indexOf("--cluster-id"), args.indexOf("--cluster-id") + 2)).toEqual([
      "--cluster-id",
      "abc",
    ]);
    expect(args).toContain("--ignore-formatted");
  });
});

describe("cluster id", () => {
  it("is 22 URL-safe base64 characters", () => {
    const id = newClusterId();
    expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(newClusterId()).not.toBe(id);
  });

  it("never starts with a dash", () => {
    const draws = [Buffer.from([0xfb, ...new Array(15).fill(0)]), Buffer.alloc(16, 1)];
    const id = newClusterId(() => draws.shift()!);
    expect(id.startsWith("-")).toBe(false);
    expect(draws).toHaveLength(0);
  });

  it("is read back from meta.properties", () => {
    const meta = "#\nnode.id=1\nversion=1\ncluster.id=Mf6mLdqXZlOI_uKY3v2sTg\ndirectory.id=x\n";
    expect(clusterIdFromMetaProperties(meta)).toBe("Mf6mLdqXZlOI_uKY3v2sTg");
    expect(clusterIdFromMetaProperties("node.id=1\n")).toBeUndefined();
  });
});
