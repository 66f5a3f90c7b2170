// gpufleet:aws:Network — an existing VPC from config, or a created one: public subnets (the ALB,
// the NAT gateway)
// and private subnets with egress through NAT (the GPU instances download images and weights at
// boot).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MAX_VPC_ZONES, computeSubnetCidrs, fleetTags } from "./facts";

export interface NetworkArgs {
  /** Stack name, for tags. */
  stack: string;
  /**
   * Existing VPC id; with it, publicSubnetIds and privateSubnetIds are used as given. Default:
   * create a VPC.
   */
  vpcId?: string;
  /** Existing VPC: subnets of the load balancer (two or more AZs). */
  publicSubnetIds?: string[];
  /** Existing VPC: subnets of the instances (with NAT egress). */
  privateSubnetIds?: string[];
  /** Created VPC: IPv4 CIDR; default 10.0.0.0/16. */
  cidr?: string;
  /** Created VPC: number of AZs; default 2, or more when pools pin more zones. */
  azCount?: number;
  /**
   * Created VPC: zones that must be among the VPC's (pools pinned to them); the rest are the
   * region's first available.
   */
  requiredZones?: string[];
  /** Created VPC: one NAT gateway ("single", default) or one per zone ("perAz"). */
  natGateways?: "single" | "perAz";
}

export class Network extends pulumi.ComponentResource {
  public readonly vpcId!: pulumi.Output<string>;
  public readonly publicSubnetIds!: pulumi.Output<string>[];
  public readonly privateSubnetIds!: pulumi.Output<string>[];
  /** AZ of each private subnet (same order), for pools pinned to zones. */
  public readonly privateSubnetZones!: pulumi.Output<string>[];
  /**
   * Zones known from config, for pools pinned to zones: zone name → index into privateSubnetIds.
   */
  public readonly zoneIndex!: Map<string, number>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpufleet:aws:Network", name, args, opts);
    const created =
      args.vpcId === undefined ? createVpc(name, args, this) : useVpc(name, args, this);
    Object.assign(this, created);
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }
}

interface NetworkParts {
  vpcId: pulumi.Output<string>;
  publicSubnetIds: pulumi.Output<string>[];
  privateSubnetIds: pulumi.Output<string>[];
  privateSubnetZones: pulumi.Output<string>[];
  zoneIndex: Map<string, number>;
}

function useVpc(name: string, args: NetworkArgs, parent: pulumi.Resource): NetworkParts {
  // The config schema requires both with gpufleet:vpc.id; this guards other callers.
  if (args.publicSubnetIds === undefined || args.privateSubnetIds === undefined) {
    throw new pulumi.ResourceError(
      `${name}: an existing VPC needs publicSubnetIds and privateSubnetIds`,
      parent,
    );
  }
  return {
    vpcId: pulumi.output(args.vpcId!),
    publicSubnetIds: args.publicSubnetIds.map((id) => pulumi.output(id)),
    privateSubnetIds: args.privateSubnetIds.map((id) => pulumi.output(id)),
    privateSubnetZones: [],
    zoneIndex: new Map(),
  };
}

function createVpc(name: string, args: NetworkArgs, parent: pulumi.Resource): NetworkParts {
  const required = [...new Set(args.requiredZones ?? [])];
  const azCount = Math.max(args.azCount ?? 2, required.length, 2);
  if (azCount > MAX_VPC_ZONES)
    throw new pulumi.ResourceError(
      `${name}: pools pin ${required.length} zones; a created VPC spans at most 6`,
      parent,
    );
  const cidrs = computeSubnetCidrs(args.cidr ?? "10.0.0.0/16", azCount);
  // Zones named in config are used as written; the others are the region's first available ones not
  // named.
  const available = aws.getAvailabilityZonesOutput({ state: "available" }, { parent });
  const zones: pulumi.Output<string>[] = Array.from({ length: azCount }, (_, i) =>
    i < required.length
      ? pulumi.output(required[i]!)
      : available.names.apply((names) => {
          const rest = names.filter((n) => !required.includes(n));
          const zone = rest[i - required.length];
          // Only the region's answer tells: a user error, reported with its config path.
          if (zone === undefined)
            throw new pulumi.ResourceError(
              `gpufleet:vpc.azCount: the region has ${names.length} available zones, ${azCount} are needed (${name})`,
              parent,
            );
          return zone;
        }),
  );
  const tags = (extra: Record<string, string>): Record<string, string> => ({
    ...fleetTags(args.stack, "network"),
    ...extra,
  });
  const opts = { parent };

  const vpc = new aws.ec2.Vpc(
    `${name}-vpc`,
    {
      cidrBlock: args.cidr ?? "10.0.0.0/16",
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: tags({ Name: `gpufleet-${args.stack}` }),
    },
    opts,
  );
  // The ALB is internet-facing and the NAT gateway needs a route out: an internet gateway is always
  // created.
  const igw = new aws.ec2.InternetGateway(
    `${name}-igw`,
    { vpcId: vpc.id, tags: tags({ Name: `gpufleet-${args.stack}` }) },
    opts,
  );

  const publicRt = new aws.ec2.RouteTable(
    `${name}-public`,
    {
      vpcId: vpc.id,
      routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
      tags: tags({ Name: `gpufleet-${args.stack}-public` }),
    },
    opts,
  );
  const publicSubnets = cidrs.public.map((cidr, i) => {
    const subnet = new aws.ec2.Subnet(
      `${name}-public-${i}`,
      {
        vpcId: vpc.id,
        cidrBlock: cidr,
        availabilityZone: zones[i]!,
        // Only the ALB and the NAT gateway live here; neither needs an auto-assigned public IP on
        // instances.
        mapPublicIpOnLaunch: false,
        tags: tags({ Name: `gpufleet-${args.stack}-public-${i}`, "gpufleet:tier": "public" }),
      },
      opts,
    );
    new aws.ec2.RouteTableAssociation(
      `${name}-public-${i}`,
      { subnetId: subnet.id, routeTableId: publicRt.id },
      opts,
    );
    return subnet;
  });

  // Egress is only needed for downloads at boot, so one NAT gateway is the default: a second one
  // doubles the fixed
  // cost. "perAz" gives each zone its own, so that a zone outage does not cut the others' private
  // subnets off.
  const natCount = args.natGateways === "perAz" ? azCount : 1;
  // One private route table per NAT gateway, through it; the single one keeps its original resource
  // names.
  const privateRts = Array.from({ length: natCount }, (_, i) => {
    const suffix = natCount === 1 ? "" : `-${i}`;
    const eip = new aws.ec2.Eip(
      `${name}-nat${suffix}`,
      { domain: "vpc", tags: tags({ Name: `gpufleet-${args.stack}-nat${suffix}` }) },
      opts,
    );
    const nat = new aws.ec2.NatGateway(
      `${name}-nat${suffix}`,
      {
        allocationId: eip.id,
        subnetId: publicSubnets[i]!.id,
        tags: tags({ Name: `gpufleet-${args.stack}${suffix}` }),
      },
      { parent, dependsOn: [igw] },
    );
    return new aws.ec2.RouteTable(
      `${name}-private${suffix}`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
        tags: tags({ Name: `gpufleet-${args.stack}-private${suffix}` }),
      },
      opts,
    );
  });
  const privateSubnets = cidrs.private.map((cidr, i) => {
    const subnet = new aws.ec2.Subnet(
      `${name}-private-${i}`,
      {
        vpcId: vpc.id,
        cidrBlock: cidr,
        availabilityZone: zones[i]!,
        mapPublicIpOnLaunch: false,
        tags: tags({ Name: `gpufleet-${args.stack}-private-${i}`, "gpufleet:tier": "private" }),
      },
      opts,
    );
    new aws.ec2.RouteTableAssociation(
      `${name}-private-${i}`,
      { subnetId: subnet.id, routeTableId: privateRts[i % natCount]!.id },
      opts,
    );
    return subnet;
  });

  return {
    vpcId: vpc.id,
    publicSubnetIds: publicSubnets.map((s) => s.id),
    privateSubnetIds: privateSubnets.map((s) => s.id),
    privateSubnetZones: zones,
    zoneIndex: new Map(required.map((z, i) => [z, i])),
  };
}
