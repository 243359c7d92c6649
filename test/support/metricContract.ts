/**
 * Both sides of the metrics contract, as plain data: what the synthesized template's alarms and dashboard
 * read (namespace, metric name, dimension set), and what a worker emitted (its embedded-metric-format
 * lines on stdout). CloudWatch matches a metric by namespace, name and its whole set of dimensions, so an
 * alarm sees a worker's data only when all three are equal.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface MetricKey {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

export interface EmittedDatum extends MetricKey {
  value: number;
}

/** `namespace name {dim=value,…}`, dimensions sorted: equal keys for equal CloudWatch metrics. */
export function metricKey(metric: MetricKey): string {
  const dims = Object.entries(metric.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
  return `${metric.namespace} ${metric.name} {${dims}}`;
}

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** Every metric an alarm or a dashboard graph of the template reads. */
export function metricsReadByTemplate(resources: Record<string, CfnResource>): MetricKey[] {
  const reads: MetricKey[] = [];
  for (const resource of Object.values(resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      if (typeof props.MetricName === 'string') {
        reads.push({
          namespace: String(props.Namespace),
          name: props.MetricName,
          dimensions: Object.fromEntries(
            ((props.Dimensions as Array<{ Name: string; Value: unknown }> | undefined) ?? []).map((d) => [
              d.Name,
              typeof d.Value === 'string' ? d.Value : JSON.stringify(d.Value),
            ]),
          ),
        });
      }
      for (const query of (props.Metrics as Array<{ MetricStat?: { Metric: Record<string, unknown> } }>) ??
        []) {
        const metric = query.MetricStat?.Metric;
        if (metric === undefined) continue;
        reads.push({
          namespace: String(metric.Namespace),
          name: String(metric.MetricName),
          dimensions: Object.fromEntries(
            ((metric.Dimensions as Array<{ Name: string; Value: string }> | undefined) ?? []).map((d) => [
              d.Name,
              d.Value,
            ]),
          ),
        });
      }
    }
    if (resource.Type === 'AWS::CloudWatch::Dashboard') reads.push(...dashboardReads(props.DashboardBody));
  }
  return reads;
}

/**
 * The dashboard body is a Fn::Join of JSON text and CloudFormation tokens (queue names, the API's name);
 * tokens become a placeholder, which leaves the fleet's own metrics (literal values) as they are.
 */
function dashboardReads(body: unknown): MetricKey[] {
  const text =
    typeof body === 'string'
      ? body
      : ((body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1] ?? [])
          .map((part) => (typeof part === 'string' ? part : '<token>'))
          .join('');
  const dashboard = JSON.parse(text) as { widgets: Array<{ properties?: { metrics?: unknown[][] } }> };
  const reads: MetricKey[] = [];
  for (const widget of dashboard.widgets) {
    for (const row of widget.properties?.metrics ?? []) {
      // [namespace, name, dim, value, …, {options}]; a math expression row starts with an object.
      const [namespace, name, ...rest] = row;
      if (typeof namespace !== 'string' || typeof name !== 'string') continue;
      const pairs = rest.filter((item): item is string => typeof item === 'string');
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i] ?? ''] = pairs[i + 1] ?? '';
      reads.push({ namespace, name, dimensions });
    }
  }
  return reads;
}

/** Every metric datum in the embedded-metric-format lines of these log files. */
export function emittedMetrics(logPaths: readonly string[]): EmittedDatum[] {
  const data: EmittedDatum[] = [];
  for (const path of logPaths) {
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.includes('"_aws"')) continue;
      let document: Record<string, unknown> & {
        _aws: {
          CloudWatchMetrics: Array<{
            Namespace: string;
            Dimensions: string[][];
            Metrics: Array<{ Name: string }>;
          }>;
        };
      };
      try {
        document = JSON.parse(line);
      } catch {
        continue; // a line another write cut into: the next publish says the same
      }
      for (const directive of document._aws.CloudWatchMetrics) {
        // No dimension set at all means the metric is published without dimensions.
        const sets = directive.Dimensions.length === 0 ? [[]] : directive.Dimensions;
        for (const set of sets) {
          const dimensions = Object.fromEntries(set.map((name) => [name, String(document[name])]));
          for (const { Name } of directive.Metrics) {
            const values = document[Name];
            for (const value of Array.isArray(values) ? values : [values])
              data.push({ namespace: directive.Namespace, name: Name, dimensions, value: Number(value) });
          }
        }
      }
    }
  }
  return data;
}
