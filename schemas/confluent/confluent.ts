/**
 * The SchemaRegistry port over Confluent's REST API: Confluent Schema Registry, or Apicurio
 * Registry's ccompat API (what the native local stack runs).
 *
 * Requests go through @kafkajs/confluent-schema-registry's API client (./api.ts), not its
 * SchemaRegistry class: that class's register() refuses when the subject's level differs from
 * its `compatibility` option (default BACKWARD) and rewrites the level on first registration,
 * and its getSchema() returns a parsed avsc Type instead of the text. The port's semantics
 * (levels left alone, text by id, typed errors) are built here on the same endpoints.
 */

import { ChurnError } from "../../core/errors.js";
import type { MetricsOptions } from "../../core/metrics.js";
import type { CompatibilityLevel, RegisteredSchema, SchemaRegistry } from "../ports.js";
import { parseSchema } from "../registry/index.js";
import { createRegistryApi, failureError, type RegistryFailure, type RegistryReply } from "./api.js";
import { createRegistryMetrics, type RegistryOp } from "./metrics.js";
import {
  type ConfluentSchemaRegistryOptionsInput,
  compileConfluentSchemaRegistryOptions,
} from "./options.js";

/**
 * Builds a client of the registry at `options.url`. Nothing is contacted until the first call.
 * @throws ChurnError CHURN_CONFIG_INVALID for bad options
 */
export function createConfluentSchemaRegistry(
  raw: ConfluentSchemaRegistryOptionsInput = {},
  deps: Partial<MetricsOptions> = {},
): SchemaRegistry {
  const options = compileConfluentSchemaRegistryOptions(raw);
  const observe = createRegistryMetrics(deps);
  const { send } = createRegistryApi(options);
  // Ids never change meaning, so the text behind one can be kept for the process lifetime.
  const byId = new Map<number, string>();
  // Subjects seen with a version: no need to check again whether they are new.
  const knownSubjects = new Set<string>();
  let closed = false;

  async function call<T>(op: RegistryOp, run: () => Promise<T>): Promise<T> {
    if (closed) {
      throw new ChurnError(
        "CHURN_SCHEMA_REGISTRY_CLOSED",
        `schema registry: ${op} after close(); create a new client`,
      );
    }
    return observe(op, run);
  }

  function fail(what: string, reply: RegistryFailure): never {
    throw failureError(what, reply, options.url);
  }

  async function register(subject: string, schema: string): Promise<number> {
    // Checked here so a broken .avsc fails fast with avsc's message, without a round trip.
    const { canonical } = parseSchema(schema, subject);
    return call("register", async () => {
      const level = options.newSubjectCompatibility;
      const creating =
        level !== "inherit" && !knownSubjects.has(subject) && (await isNewWithoutLevel(subject));
      const reply = await send("Subject.register", { subject, body: { schema: canonical } });
      if (!reply.ok) fail(`register subject '${subject}'`, reply);
      const id = numberField(reply, "id", `register subject '${subject}'`);
      byId.set(id, canonical);
      if (creating) {
        const set = await send("Subject.updateConfig", { subject, body: { compatibility: level } });
        if (!set.ok) fail(`set compatibility ${level} on new subject '${subject}'`, set);
      }
      knownSubjects.add(subject);
      return id;
    });
  }

  /**
   * True when `subject` has neither versions nor its own level: the first registration then
   * sets `newSubjectCompatibility`. A level set beforehand (Confluent allows that) is kept.
   */
  async function isNewWithoutLevel(subject: string): Promise<boolean> {
    const config = await send("Subject.config", { subject });
    if (config.ok) return false;
    if (config.status !== 404) fail(`read compatibility of subject '${subject}'`, config);
    // 404 for "no subject" (40401) and "no version" (40402) alike: no version either way.
    const latest = await send("Subject.latestVersion", { subject });
    if (latest.ok) return false;
    if (latest.status !== 404) fail(`read the latest version of subject '${subject}'`, latest);
    return true;
  }

  async function getById(id: number): Promise<string> {
    return call("getById", async () => {
      const cached = byId.get(id);
      if (cached !== undefined) return cached;
      const reply = await send("Schema.find", { id });
      if (!reply.ok) {
        if (reply.status === 404) {
          throw new ChurnError(
            "CHURN_SCHEMA_NOT_FOUND",
            `no schema with id ${id} in the registry at ${options.url}; the record was written against ` +
              "another registry, or the registry lost its data",
            { details: { id, status: reply.status } },
          );
        }
        fail(`get schema id ${id}`, reply);
      }
      const text = stringField(reply, "schema", `get schema id ${id}`);
      byId.set(id, text);
      return text;
    });
  }

  async function fetchVersion(op: RegistryOp, subject: string, version: number | "latest") {
    return call(op, async (): Promise<RegisteredSchema> => {
      const what = `get version ${version} of subject '${subject}'`;
      const reply =
        version === "latest"
          ? await send("Subject.latestVersion", { subject })
          : await send("Subject.version", { subject, version });
      if (!reply.ok) fail(what, reply);
      const registered = {
        id: numberField(reply, "id", what),
        subject,
        version: numberField(reply, "version", what),
        schema: stringField(reply, "schema", what),
      };
      byId.set(registered.id, registered.schema);
      return registered;
    });
  }

  async function isCompatible(subject: string, schema: string): Promise<boolean> {
    const { canonical } = parseSchema(schema, subject);
    const what = `check compatibility for subject '${subject}'`;
    return call("isCompatible", async () => {
      const config = await send("Subject.config", { subject, defaultToGlobal: true });
      // No subject yet (Apicurio keeps levels per existing subject): any schema may be the first.
      if (!config.ok && config.status === 404) return true;
      if (!config.ok) fail(what, config);
      const level = (config.data as { compatibilityLevel?: unknown } | undefined)?.compatibilityLevel;
      if (level === "NONE") return true;
      // Confluent checks POST .../versions against the versions the level names, but Apicurio
      // checks all of them whatever the level: ask for the latest only unless transitive.
      const all = typeof level === "string" && level.endsWith("_TRANSITIVE");
      // The library's `compatible` targets .../versions/{version} (default latest); mappersmith's
      // `path` parameter reaches the collection for transitive levels, and a null `version`
      // keeps the default from turning into a query parameter there.
      const reply = await send("Subject.compatible", {
        subject,
        body: { schema: canonical },
        ...(all ? { path: "/compatibility/subjects/{subject}/versions", version: null } : {}),
      });
      if (!reply.ok) {
        // No subject (40401) or no version (40402) yet: any schema may be the first.
        if (reply.status === 404) return true;
        fail(what, reply);
      }
      const verdict = (reply.data as { is_compatible?: unknown } | undefined)?.is_compatible;
      if (typeof verdict !== "boolean") malformed(what, reply.data);
      return verdict;
    });
  }

  async function setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    return call("setCompatibility", async () => {
      const reply = await send("Subject.updateConfig", { subject, body: { compatibility: level } });
      if (reply.ok) return;
      if (reply.status === 404) {
        throw new ChurnError(
          "CHURN_SCHEMA_NOT_FOUND",
          `set compatibility of subject '${subject}': the registry keeps levels only for subjects with ` +
            `a version (${reply.message}); register the first version, then set the level`,
          { details: { subject, level, status: reply.status } },
        );
      }
      fail(`set compatibility ${level} on subject '${subject}'`, reply);
    });
  }

  async function ping(): Promise<void> {
    return call("ping", async () => {
      // The global level: cheap, and every Confluent-compatible API has it. The library's
      // `config` resource is per subject, so mappersmith's `path` parameter drops the segment.
      const reply = await send("Subject.config", { path: "/config" });
      if (!reply.ok) {
        // Something answers, but not a registry API: most likely a URL without its path.
        throw new ChurnError(
          "CHURN_SCHEMA_REGISTRY_UNAVAILABLE",
          `GET ${options.url}/config answered ${reply.status} (${reply.message}); is ` +
            "schemaRegistry.confluent.url the base of a Confluent-compatible API (Apicurio: .../apis/ccompat/v7)?",
          { details: { url: options.url, status: reply.status } },
        );
      }
    });
  }

  return {
    backend: "confluent",
    register,
    getById,
    latest: (subject) => fetchVersion("latest", subject, "latest"),
    getVersion: (subject, version) => fetchVersion("getVersion", subject, version),
    isCompatible,
    setCompatibility,
    ping,
    close: async () => {
      closed = true;
      byId.clear();
      knownSubjects.clear();
    },
  };
}

function numberField(reply: RegistryReply & { ok: true }, key: string, what: string): number {
  const value = (reply.data as Record<string, unknown> | undefined)?.[key];
  if (typeof value !== "number" || !Number.isInteger(value)) malformed(what, reply.data);
  return value;
}

function stringField(reply: RegistryReply & { ok: true }, key: string, what: string): string {
  const value = (reply.data as Record<string, unknown> | undefined)?.[key];
  if (typeof value !== "string") malformed(what, reply.data);
  return value;
}

function malformed(what: string, data: unknown): never {
  throw new ChurnError(
    "CHURN_SCHEMA_REGISTRY_FAILED",
    `${what}: unexpected answer ${JSON.stringify(data)?.slice(0, 200)}; is schemaRegistry.confluent.url ` +
      "the base of a Confluent-compatible API (Apicurio: .../apis/ccompat/v7)?",
  );
}
