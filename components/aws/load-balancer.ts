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
}

/** TLS policy of the HTTPS listener: TLS 1.3 and 1.2 only. */
const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

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
    if (args.pools.length === 0)
      throw new pulumi.ResourceError(`${name}: no pool to route to`, this);
    if (args.pools.length > ALB_LIMITS.targetGroups) {
      throw new pulumi.ResourceError(
        `${name}: ${args.pools.length} pools, an ALB takes at most ${ALB_LIMITS.targetGroups} target groups`,
        this,
      );
    }
    const opts_ = { parent: this };
    const tags = fleetTags(args.stack, "load-balancer");

    const alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: "application",
        internal: false,
        subnets: args.subnetIds,
        securityGroups: [args.securityGroupId],
        // Long generations stream for minutes; see facts.idleTimeoutSeconds.
        idleTimeout: args.idleTimeoutSeconds,
        dropInvalidHeaderFields: true,
        tags: { ...tags, Name: `gpufleet-${args.stack}` },
      },
      opts_,
    );

    this.targetGroupArns = {};
    for (const pool of args.pools) {
      const tg = new aws.lb.TargetGroup(
        `${name}-${pool.name}`,
        {
          name: targetGroupName(args.stack, pool.name, pool.proxyPort),
          vpcId: args.vpcId,
          ...poolTargetGroupSettings(pool),
          tags: { ...tags, "gpufleet:pool": pool.name },
        },
        opts_,
      );
      this.targetGroupArns[pool.name] = tg.arn;
    }

    const defaultPool = args.pools[0]!.name;
    const forwardDefault = { type: "forward", targetGroupArn: this.targetGroupArns[defaultPool]! };
    let serving: aws.lb.Listener;
    if (args.certificateArn !== undefined) {
      serving = new aws.lb.Listener(
        `${name}-https`,
        {
          loadBalancerArn: alb.arn,
          port: 443,
          protocol: "HTTPS",
          sslPolicy: TLS_POLICY,
          certificateArn: args.certificateArn,
          defaultActions: [forwardDefault],
          tags,
        },
        opts_,
      );
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
        opts_,
      );
    } else {
      void pulumi.log.warn(
        `${name}: no gpufleet:loadBalancer.certificateArn: the endpoint is plain HTTP and the API key crosses the network unencrypted; set an ACM certificate ARN for HTTPS`,
        this,
      );
      serving = new aws.lb.Listener(
        `${name}-http`,
        {
          loadBalancerArn: alb.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [forwardDefault],
          tags,
        },
        opts_,
      );
    }

    args.routes.forEach((route, i) => {
      if (route.pools.length > ALB_LIMITS.targetGroupsPerAction) {
        throw new pulumi.ResourceError(
          `${name}: model ${route.servedName} is served by ${route.pools.length} pools; a forward action takes at most ${ALB_LIMITS.targetGroupsPerAction}`,
          this,
        );
      }
      const action =
        route.pools.length === 1
          ? { type: "forward", targetGroupArn: this.targetGroupArns[route.pools[0]!.pool]! }
          : {
              type: "forward",
              forward: {
                targetGroups: route.pools.map((p) => ({
                  arn: this.targetGroupArns[p.pool]!,
                  weight: p.weight,
                })),
              },
            };
      new aws.lb.ListenerRule(
        `${name}-model-${i}`,
        {
          listenerArn: serving.arn,
          priority: i + 1,
          conditions: [
            { httpHeader: { httpHeaderName: MODEL_HEADER, values: [route.servedName] } },
          ],
          actions: [action],
          tags: { ...tags, "gpufleet:model": route.servedName },
        },
        opts_,
      );
    });

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
