import type { Registry } from "prom-client";

/** The value of the series of `name` whose labels include `labels` (a histogram's count). */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return undefined;
  const { values } = await metric.get();
  const matches = (series: { labels: Record<string, unknown>; metricName?: string }) =>
    Object.entries(labels).every(([key, value]) => series.labels[key] === value) &&
    (series.metricName === undefined || series.metricName === name || series.metricName === `${name}_count`);
  return values.find(matches)?.value;
}
