// gpufleet:aws:LoadBalancer — one internet-facing ALB for the whole fleet: a target group per pool
// on its proxy port
// (a group per replica would hit the ALB's 100-group and 5-groups-per-forward limits), HTTPS when a
// certificate is
// configured (HTTP redirects to it), routing by the `x-gpufleet-model` header to the pools of that
// model.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PoolPlan } from "../../planner/types";
import {
  ALB_LIMITS,
  poolTargetGroupSettings,
  MODEL_HEADER,
  fleetTags,
  targetGroupName,
  type ModelRoute,
} from "./facts";
import type { AccessLogTarget } from "./fleet-logs";

export interface LoadBalancerArgs {
  /** Stack name, for tags and target group names. */
  stack: string;
  /** VPC of the target groups. */
  vpcId: pulumi.Input<string>;
  /** Public subnets, two or more AZs. */
  subnetIds: pulumi.Input<string>[];
  /** The load balancer's security group (80/443 in, the proxy ports out). */
  securityGroupId: pulumi.Input<string>;
  /** Pools in plan order; the first is the default route. */
  pools: PoolPlan[];
  /** Header routes (facts.computeModelRoutes). */
  routes: ModelRoute[];
  /** Seconds before an idle connection is closed (1–4000). */
  idleTimeoutSeconds: number;
  /** ACM certificate: HTTPS on 443 and HTTP → HTTPS; default: HTTP only, with a warning. */
  certificateArn?: string;
  /** Where access logs go (FleetLogs.accessLogTarget); default none. */
  accessLogs?: AccessLogTarget;
}

/** TLS policy of the HTTPS listener: TLS 1.3 and 1.2 only. */
const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/**
 * The forward action of a model's header rule: straight to its one pool's target group, or
 * weighted across its pools' groups.
 */
export function modelRuleAction<T>(route: ModelRoute, targetGroupArns: Record<string, T>) {
  if (route.pools.length === 1) {
    return { type: "forward", targetGroupArn: targetGroupArns[route.pools[0]!.pool]! };
  }
  return {
    type: "forward",
    forward: {
      targetGroups: route.pools.map((p) => ({ arn: targetGroupArns[p.pool]!, weight: p.weight })),
    },
  };
}

/**
 * The listeners: with a certificate, HTTPS on 443 serves and HTTP on 80 redirects to it; without,
 * HTTP on 80 serves (with a warning).
 */
export function listenerLayout(certificateArn?: string): {
  serving: { port: number; protocol: "HTTP" | "HTTPS"; sslPolicy?: string };
  redirectHttp: boolean;
} {
  return certificateArn !== undefined
    ? { serving: { port: 443, protocol: "HTTPS", sslPolicy: TLS_POLICY }, redirectHttp: true }
    : { serving: { port: 80, protocol: "HTTP" }, redirectHttp: false };
}

export class LoadBalancer extends pulumi.ComponentResource {
  /** `https://<dns>` or `http://<dns>`: the OpenAI base URL is this + `/v1`. */
  public readonly endpoint: pulumi.Output<string>;
  public readonly dnsName: pulumi.Output<string>;
  /** Target group ARN per pool name. */
  public readonly targetGroupArns: Record<string, pulumi.Output<string>>;
  /**
   * The serving listener (HTTPS with a certificate, else HTTP): Grafana's and the gateway's rules
   * attach here.
   */
  public readonly listenerArn: pulumi.Output<string>;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpufleet:aws:LoadBalancer", name, args, opts);
    // The program refuses these from config first (facts.validateAwsDeployment); here they guard
    // other callers of the component.
    if (args.pools.length === 0)
      throw new pulumi.ResourceError(`${name}: no pool to route to`, this);
    if (args.pools.length > ALB_LIMITS.targetGroups) {
      throw new pulumi.ResourceError(
        `${name}: ${args.pools.length} pools, an ALB takes at most ${ALB_LIMITS.targetGroups} target groups`,
        this,
      );
    }
    for (const route of args.routes) {
      if (route.pools.length > ALB_LIMITS.targetGroupsPerAction) {
        throw new pulumi.ResourceError(
          `${name}: model ${route.servedName} is served by ${route.pools.length} pools; a forward action takes at most ${ALB_LIMITS.targetGroupsPerAction}`,
          this,
        );
      }
    }
    const tags = fleetTags(args.stack, "load-balancer");
    const alb = createAlb(name, args, tags, this);
    this.targetGroupArns = createTargetGroups(name, args, tags, this);
    const serving = createListeners(name, args, alb, this.targetGroupArns, tags, this);
    createModelRules(name, args.routes, serving, this.targetGroupArns, tags, this);

    this.listenerArn = serving.arn;
    this.dnsName = alb.dnsName;
    this.endpoint = pulumi.interpolate`${args.certificateArn !== undefined ? "https" : "http"}://${alb.dnsName}`;
    this.registerOutputs({
      endpoint: this.endpoint,
      dnsName: this.dnsName,
      targetGroupArns: this.targetGroupArns,
      listenerArn: this.listenerArn,
    });
  }
}

function createAlb(
  name: string,
  args: LoadBalancerArgs,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): aws.lb.LoadBalancer {
  return new aws.lb.LoadBalancer(
    `${name}-alb`,
    {
      loadBalancerType: "application",
      internal: false,
      subnets: args.subnetIds,
      securityGroups: [args.securityGroupId],
      // Long generations stream for minutes; see facts.idleTimeoutSeconds.
      idleTimeout: args.idleTimeoutSeconds,
      dropInvalidHeaderFields: true,
      ...(args.accessLogs
        ? {
            accessLogs: {
              enabled: true,
              bucket: args.accessLogs.bucket,
              prefix: args.accessLogs.prefix,
            },
          }
        : {}),
      tags: { ...tags, Name: `gpufleet-${args.stack}` },
    },
    // Elastic Load Balancing checks that it may write to the bucket when access logs are set.
    { parent, dependsOn: args.accessLogs?.ready ?? [] },
  );
}

/** One target group per pool on its proxy port; ARNs by pool name. */
function createTargetGroups(
  name: string,
  args: LoadBalancerArgs,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): Record<string, pulumi.Output<string>> {
  const arns: Record<string, pulumi.Output<string>> = {};
  for (const pool of args.pools) {
    const tg = new aws.lb.TargetGroup(
      `${name}-${pool.name}`,
      {
        name: targetGroupName(args.stack, pool.name, pool.proxyPort),
        vpcId: args.vpcId,
        ...poolTargetGroupSettings(pool),
        tags: { ...tags, "gpufleet:pool": pool.name },
      },
      { parent },
    );
    arns[pool.name] = tg.arn;
  }
  return arns;
}

/** The serving listener (default: the first pool) and, with HTTPS, HTTP's redirect to it. */
function createListeners(
  name: string,
  args: LoadBalancerArgs,
  alb: aws.lb.LoadBalancer,
  targetGroupArns: Record<string, pulumi.Output<string>>,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): aws.lb.Listener {
  const layout = listenerLayout(args.certificateArn);
  const forwardDefault = {
    type: "forward",
    targetGroupArn: targetGroupArns[args.pools[0]!.name]!,
  };
  if (!layout.redirectHttp) {
    void pulumi.log.warn(
      `${name}: no gpufleet:loadBalancer.certificateArn: the endpoint is plain HTTP and the API key crosses the network unencrypted; set an ACM certificate ARN for HTTPS`,
      parent,
    );
  }
  const serving = new aws.lb.Listener(
    `${name}-${layout.serving.protocol.toLowerCase()}`,
    {
      loadBalancerArn: alb.arn,
      ...layout.serving,
      certificateArn: args.certificateArn,
      defaultActions: [forwardDefault],
      tags,
    },
    { parent },
  );
  if (layout.redirectHttp) {
    new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: alb.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [
          {
            type: "redirect",
            redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
          },
        ],
        tags,
      },
      { parent },
    );
  }
  return serving;
}

/** One header rule per served model (priority = its place in the routes), on the serving listener. */
function createModelRules(
  name: string,
  routes: ModelRoute[],
  serving: aws.lb.Listener,
  targetGroupArns: Record<string, pulumi.Output<string>>,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): void {
  routes.forEach((route, i) => {
    new aws.lb.ListenerRule(
      `${name}-model-${i}`,
      {
        listenerArn: serving.arn,
        priority: i + 1,
        conditions: [{ httpHeader: { httpHeaderName: MODEL_HEADER, values: [route.servedName] } }],
        actions: [modelRuleAction(route, targetGroupArns)],
        tags: { ...tags, "gpufleet:model": route.servedName },
      },
      { parent },
    );
  });
}
