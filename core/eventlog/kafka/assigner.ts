/**
 * The kafkajs partition assigner of churnstream: the shared co-partitioning assignment (see
 * ../assignment.ts), so a member owns partition p of every topic it consumes. Every member of a
 * group must use it (kafkajs picks a protocol all members support).
 */
import kafkajs from "kafkajs";
import { assignPartitions } from "../assignment.js";

const { AssignerProtocol } = kafkajs;

/** Protocol name announced to the group coordinator. */
export const CO_PARTITION_ASSIGNER = "ChurnstreamCoPartitionAssigner";

export const coPartitionAssigner: kafkajs.PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITION_ASSIGNER,
  version: 0,
  async assign({ members, topics }) {
    const subscriptions = members.map(({ memberId, memberMetadata }) => {
      const decoded = AssignerProtocol.MemberMetadata.decode(memberMetadata);
      return { memberId, topics: decoded?.topics ?? topics };
    });
    const plan = assignPartitions(subscriptions, (topic) => cluster.findTopicPartitionMetadata(topic).length);
    return [...plan].map(([memberId, partitions]) => {
      const assignment: Record<string, number[]> = {};
      for (const { topic, partition } of partitions) {
        assignment[topic] = [...(assignment[topic] ?? []), partition];
      }
      return {
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment,
          userData: Buffer.alloc(0),
        }),
      };
    });
  },
  protocol({ topics }) {
    return {
      name: CO_PARTITION_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});
