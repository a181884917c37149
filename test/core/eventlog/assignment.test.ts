import { describe, expect, it } from "vitest";
import { assignPartitions, diffAssignment } from "../../../core/eventlog/assignment.js";

describe("assignPartitions", () => {
  const counts: Record<string, number> = { clicks: 6, billing: 6, other: 2 };
  const count = (topic: string) => counts[topic] ?? 0;

  it("gives partition p of every topic to the same member (co-partitioning)", () => {
    const plan = assignPartitions(
      [
        { memberId: "m-c", topics: ["clicks", "billing"] },
        { memberId: "m-a", topics: ["billing", "clicks"] },
        { memberId: "m-b", topics: ["clicks", "billing"] },
        { memberId: "m-d", topics: ["clicks", "billing"] },
      ],
      count,
    );
    // Members in id order: m-a gets 0 and 4, m-b 1 and 5, m-c 2, m-d 3.
    const partitions = (id: string, topic: string) =>
      plan
        .get(id)!
        .filter((tp) => tp.topic === topic)
        .map((tp) => tp.partition);
    expect(partitions("m-a", "clicks")).toEqual([0, 4]);
    expect(partitions("m-b", "clicks")).toEqual([1, 5]);
    expect(partitions("m-c", "clicks")).toEqual([2]);
    expect(partitions("m-d", "clicks")).toEqual([3]);
    for (const id of ["m-a", "m-b", "m-c", "m-d"]) {
      expect(partitions(id, "billing")).toEqual(partitions(id, "clicks"));
    }
  });

  it("assigns a topic only among the members subscribed to it, and every member appears", () => {
    const plan = assignPartitions(
      [
        { memberId: "a", topics: ["clicks"] },
        { memberId: "b", topics: ["other"] },
        { memberId: "c", topics: ["missing"] },
      ],
      count,
    );
    expect(plan.get("a")).toHaveLength(6);
    expect(plan.get("b")).toEqual([
      { topic: "other", partition: 0 },
      { topic: "other", partition: 1 },
    ]);
    expect(plan.get("c")).toEqual([]);
  });

  it("diffs assignments", () => {
    const change = diffAssignment(
      [
        { topic: "t", partition: 0 },
        { topic: "t", partition: 1 },
      ],
      [
        { topic: "t", partition: 1 },
        { topic: "t", partition: 2 },
      ],
    );
    expect(change).toEqual({
      added: [{ topic: "t", partition: 2 }],
      revoked: [{ topic: "t", partition: 0 }],
    });
  });
});
