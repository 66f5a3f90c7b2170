// Alerts and the dashboard of elastic pools, as plain CloudWatch shapes: spot interruptions (the
// hosts count them as they drain), scaling activity, capacity shortfall (desired above in service
// for longer than the cold start). Pure: the AWS component creates the alarms and the dashboard.
import { HOST_METRICS, metricsNamespace } from "../cloud-init/elastic-facts";

/** One elastic pool as the alarms and the dashboard see it. */
export interface ElasticPoolView {
  pool: string;
  /** The auto scaling group's name (resolved). */
  groupName: string;
  /** Seconds a launch may take before a missing instance is a shortfall: the warmup. */
  warmupSeconds: number;
  /** Waiting requests per instance the group aims at, or null when the pool does not scale. */
  targetWaitingPerInstance: number | null;
  spot: boolean;
}

/** A CloudWatch metric alarm of plain values (a subset of aws.cloudwatch.MetricAlarm's args). */
export interface AlarmSpec {
  /** Short resource-name suffix. */
  key: string;
  description: string;
  comparisonOperator: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold";
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: "notBreaching" | "missing";
  metricQueries: Array<{
    id: string;
    expression?: string;
    label?: string;
    returnData: boolean;
    metric?: {
      namespace: string;
      metricName: string;
      dimensions: Record<string, string>;
      period: number;
      stat: string;
    };
  }>;
}

/** Most evaluation periods × period CloudWatch allows an alarm (one day). */
const MAX_ALARM_SECONDS = 86400;

/** The alarms of one elastic pool. */
export function computeElasticAlarms(stack: string, v: ElasticPoolView): AlarmSpec[] {
  const group = { AutoScalingGroupName: v.groupName };
  const asg = (id: string, metricName: string): AlarmSpec["metricQueries"][number] => ({
    id,
    returnData: false,
    metric: {
      namespace: "AWS/AutoScaling",
      metricName,
      dimensions: group,
      period: 60,
      stat: "Average",
    },
  });
  const minutes = Math.min(Math.ceil(v.warmupSeconds / 60), MAX_ALARM_SECONDS / 60);
  const alarms: AlarmSpec[] = [
    {
      key: "shortfall",
      description: `gpufleet ${stack}/${v.pool}: fewer instances in service than desired for longer than the cold start (${minutes} min): no capacity for its types in its zones, a quota, or instances failing to boot`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      evaluationPeriods: minutes,
      datapointsToAlarm: minutes,
      treatMissingData: "missing",
      metricQueries: [
        asg("desired", "GroupDesiredCapacity"),
        asg("inservice", "GroupInServiceInstances"),
        {
          id: "shortfall",
          expression: "desired - inservice",
          label: "desired − in service",
          returnData: true,
        },
      ],
    },
  ];
  if (v.spot) {
    alarms.push({
      key: "spot-interruptions",
      description: `gpufleet ${stack}/${v.pool}: spot instances were reclaimed (the hosts drained on EC2's two-minute notice)`,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      metricQueries: [
        {
          id: "interruptions",
          returnData: true,
          metric: {
            namespace: metricsNamespace(stack),
            metricName: HOST_METRICS.spotInterruptions,
            dimensions: { Stack: stack, Pool: v.pool },
            period: 300,
            stat: "Sum",
          },
        },
      ],
    });
  }
  return alarms;
}

/**
 * EventBridge pattern of the scaling activity worth a message: launches that failed (no capacity,
 * quota, a bad template) and instances the groups took away, for the stack's groups.
 */
export function scalingActivityPattern(groupNames: string[]): {
  source: string[];
  "detail-type": string[];
  detail: { AutoScalingGroupName: string[] };
} {
  return {
    source: ["aws.autoscaling"],
    "detail-type": [
      "EC2 Instance Launch Unsuccessful",
      "EC2 Instance Terminate Unsuccessful",
      "EC2 Instance Launch Successful",
      "EC2 Instance Terminate Successful",
    ],
    detail: { AutoScalingGroupName: groupNames },
  };
}

type Widget = Record<string, unknown>;

/** The stack's elastic dashboard: per pool, its size, its queue, its KV cache and its spot drains. */
export function renderElasticDashboard(
  stack: string,
  region: string,
  pools: ElasticPoolView[],
  alarmArns: string[],
): string {
  const ns = metricsNamespace(stack);
  const widgets: Widget[] = [];
  let y = 0;
  const at = (x: number, w: number, h: number): Widget => ({ x, y, width: w, height: h });
  for (const v of pools) {
    const group = ["AutoScalingGroupName", v.groupName];
    const dims = ["Stack", stack, "Pool", v.pool];
    widgets.push({
      type: "metric",
      ...at(0, 6, 6),
      properties: {
        title: `${v.pool}: instances`,
        region,
        view: "timeSeries",
        stat: "Average",
        period: 60,
        metrics: [
          ["AWS/AutoScaling", "GroupDesiredCapacity", ...group, { label: "desired" }],
          ["AWS/AutoScaling", "GroupInServiceInstances", ...group, { label: "in service" }],
          ["AWS/AutoScaling", "GroupPendingInstances", ...group, { label: "pending" }],
          ["AWS/AutoScaling", "GroupTerminatingInstances", ...group, { label: "terminating" }],
        ],
      },
    });
    widgets.push({
      type: "metric",
      ...at(6, 6, 6),
      properties: {
        title: `${v.pool}: requests waiting per instance`,
        region,
        view: "timeSeries",
        period: 60,
        metrics: [
          [{ expression: "waiting / inservice", label: "waiting per instance", id: "perinstance" }],
          [ns, HOST_METRICS.waiting, ...dims, { stat: "Sum", id: "waiting", visible: false }],
          [
            "AWS/AutoScaling",
            "GroupInServiceInstances",
            ...group,
            { stat: "Average", id: "inservice", visible: false },
          ],
        ],
        ...(v.targetWaitingPerInstance !== null
          ? {
              annotations: { horizontal: [{ label: "target", value: v.targetWaitingPerInstance }] },
            }
          : {}),
      },
    });
    widgets.push({
      type: "metric",
      ...at(12, 6, 6),
      properties: {
        title: `${v.pool}: KV cache, fullest engine (%)`,
        region,
        view: "timeSeries",
        period: 60,
        metrics: [[ns, HOST_METRICS.kvUsage, ...dims, { stat: "Maximum" }]],
        yAxis: { left: { min: 0, max: 100 } },
      },
    });
    widgets.push({
      type: "metric",
      ...at(18, 6, 6),
      properties: {
        title: `${v.pool}: spot interruptions and drains`,
        region,
        view: "timeSeries",
        stat: "Sum",
        period: 300,
        metrics: [
          [ns, HOST_METRICS.spotInterruptions, ...dims],
          [ns, HOST_METRICS.rebalanceRecommendations, ...dims],
          [ns, HOST_METRICS.scaleInDrains, ...dims],
          [ns, HOST_METRICS.rebalanceDrains, ...dims],
        ],
      },
    });
    y += 6;
  }
  if (alarmArns.length > 0) {
    widgets.push({
      type: "alarm",
      ...at(0, 24, 3),
      properties: { title: "elastic pools: alarms", alarms: alarmArns },
    });
  }
  return JSON.stringify({ widgets });
}
