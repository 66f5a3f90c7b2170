// Mocks of the Pulumi engine and the AWS provider for running the program offline (`gpufleet
// preview`, the tests):
// realistic state for every resource the fleet creates, realistic answers for the data sources it
// calls, and a
// record of every registration with its parent. Anything else fails loudly (`offline mocks have no
// answer for <token>`): a new data source or resource type must be
// given realistic state here before the preview can show it.
import { createHash, randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { gatewayMockState } from "./gateway-mock-state";
import { dockerMockState } from "../components/docker/mock-state";

/** One registered resource, as the program asked for it. */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent, undefined for a resource of the stack itself. */
  parent?: string;
  /** Whether it is a provider resource (false: a ComponentResource). */
  custom: boolean;
  /** The id the mock gave it ("" for components). */
  id: string;
  /** Inputs as the engine receives them: secrets still wrapped (pulumi.runtime.isRpcSecret). */
  inputs: Record<string, unknown>;
}

export interface OfflineMocksOptions {
  project: string;
  stack: string;
  /** Region the data sources answer with; default us-east-1. */
  region?: string;
  /** Account id of getCallerIdentity; default 123456789012 (AWS's documentation account). */
  accountId?: string;
  /** AMI id the DLAMI public parameter resolves to; default ami-0123456789abcdef0. */
  amiId?: string;
  /**
   * Value of every RandomPassword's result; default 48 random letters and digits. Always returned
   * as a secret.
   */
  randomPassword?: string;
  /**
   * Array to record registrations into (kept by the caller even when the run throws); default a new
   * one.
   */
  record?: RecordedResource[];
}

export interface OfflineMocks {
  mocks: pulumi.runtime.Mocks;
  /** Every registration, in order. */
  resources: RecordedResource[];
  /** Every data-source call, in order. */
  calls: Array<{ token: string; inputs: Record<string, unknown> }>;
}

type State = Record<string, unknown>;

/** The Pulumi engine's secret wrapper: what a provider returns for a secret output. */
export function rpcSecret(value: unknown): Record<string, unknown> {
  return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value };
}

/**
 * Route 53 hosted zone ids of the S3 website/endpoint domains per region (AWS General Reference,
 * "Amazon S3 endpoints").
 */
const S3_HOSTED_ZONES: Record<string, string> = {
  "us-east-1": "Z3AQBSTGFYJSTF",
  "us-east-2": "Z2O1EMRO9K5GLX",
  "us-west-1": "Z2F56UZL2M1ACD",
  "us-west-2": "Z3BJ6K6RIION7M",
  "eu-west-1": "Z1BKCTXD74EZPE",
  "eu-central-1": "Z21DNDUVLTQW6Q",
};

function hex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function urnOf(
  project: string,
  stack: string,
  parent: string | undefined,
  type: string,
  name: string,
): string {
  let qualified = type;
  if (parent) qualified = `${parent.split("::")[2]!.split("$").pop()}$${type}`;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/**
 * Mocks for `pulumi.runtime.setMocks`, plus the record they fill. Call `installParentTracking()`
 * after setMocks.
 */
export function createOfflineMocks(
  opts: OfflineMocksOptions,
): OfflineMocks & { installParentTracking(): void } {
  const region = opts.region ?? "us-east-1";
  const account = opts.accountId ?? "123456789012";
  const partition = region.startsWith("cn-")
    ? "aws-cn"
    : region.startsWith("us-gov-")
      ? "aws-us-gov"
      : "aws";
  const resources: RecordedResource[] = opts.record ?? [];
  const calls: OfflineMocks["calls"] = [];
  let pendingParent: string | undefined;

  const arn = (service: string, resource: string, withRegion = true, withAccount = true): string =>
    `arn:${partition}:${service}:${withRegion ? region : ""}:${withAccount ? account : ""}:${resource}`;

  /**
   * The physical name Pulumi's auto-naming would give (name + "-" + 7 hex), unless the program set
   * one.
   */
  const physical = (name: string, inputs: State): string =>
    typeof inputs.name === "string" ? inputs.name : `${name}-${hex(`name:${name}`, 7)}`;

  function stateOf(type: string, name: string, inputs: State): { id: string; state: State } {
    const seed = `${type}::${name}`;
    const id17 = hex(seed, 17);
    const n = physical(name, inputs);
    const base = { ...inputs };
    switch (type) {
      case "aws:ec2/vpc:Vpc":
        return {
          id: `vpc-${id17}`,
          state: {
            ...base,
            arn: arn("ec2", `vpc/vpc-${id17}`),
            defaultSecurityGroupId: `sg-${hex(`${seed}sg`, 17)}`,
            mainRouteTableId: `rtb-${hex(`${seed}rt`, 17)}`,
          },
        };
      case "aws:ec2/subnet:Subnet":
        return {
          id: `subnet-${id17}`,
          state: { ...base, arn: arn("ec2", `subnet/subnet-${id17}`) },
        };
      case "aws:ec2/internetGateway:InternetGateway":
        return {
          id: `igw-${id17}`,
          state: { ...base, arn: arn("ec2", `internet-gateway/igw-${id17}`) },
        };
      case "aws:ec2/eip:Eip":
        return {
          id: `eipalloc-${id17}`,
          state: {
            ...base,
            allocationId: `eipalloc-${id17}`,
            publicIp: `198.51.100.${(parseInt(hex(seed, 2), 16) % 250) + 1}`,
          },
        };
      case "aws:ec2/natGateway:NatGateway":
        return { id: `nat-${id17}`, state: { ...base, publicIp: "198.51.100.10" } };
      case "aws:ec2/routeTable:RouteTable":
        return {
          id: `rtb-${id17}`,
          state: { ...base, arn: arn("ec2", `route-table/rtb-${id17}`) },
        };
      case "aws:ec2/routeTableAssociation:RouteTableAssociation":
        return { id: `rtbassoc-${id17}`, state: base };
      case "aws:ec2/placementGroup:PlacementGroup":
        // A placement group's id is its name (the provider's importer and ASG placementGroup take it).
        return {
          id: n,
          state: {
            ...base,
            name: n,
            placementGroupId: `pg-${id17}`,
            arn: arn("ec2", `placement-group/${n}`),
          },
        };
      case "aws:ec2/securityGroup:SecurityGroup":
        return {
          id: `sg-${id17}`,
          state: { ...base, name: n, arn: arn("ec2", `security-group/sg-${id17}`) },
        };
      case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
        return {
          id: `sgr-${id17}`,
          state: {
            ...base,
            securityGroupRuleId: `sgr-${id17}`,
            arn: arn("ec2", `security-group-rule/sgr-${id17}`),
          },
        };
      case "aws:iam/role:Role":
        return {
          id: n,
          state: {
            ...base,
            name: n,
            arn: arn("iam", `role/${n}`, false),
            uniqueId: `AROA${hex(seed, 17).toUpperCase()}`,
          },
        };
      case "aws:iam/instanceProfile:InstanceProfile":
        return {
          id: n,
          state: { ...base, name: n, arn: arn("iam", `instance-profile/${n}`, false) },
        };
      case "aws:iam/rolePolicy:RolePolicy":
        return { id: `${String(inputs.role)}:${n}`, state: { ...base, name: n } };
      case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
        return { id: `${String(inputs.role)}-${hex(seed, 8)}`, state: base };
      case "aws:cloudwatch/logGroup:LogGroup":
        return { id: n, state: { ...base, name: n, arn: arn("logs", `log-group:${n}`) } };
      case "aws:ssm/parameter:Parameter":
        return {
          id: n,
          state: {
            ...base,
            name: n,
            arn: arn("ssm", `parameter${n.startsWith("/") ? "" : "/"}${n}`),
            version: 1,
            tier: "Standard",
          },
        };
      case "random:index/randomPassword:RandomPassword": {
        const length = typeof inputs.length === "number" ? inputs.length : 16;
        const value =
          opts.randomPassword ??
          randomBytes(length * 2)
            .toString("base64")
            .replace(/[^A-Za-z0-9]/g, "")
            .slice(0, length);
        // The real provider marks `result` secret; a mock that returned it plain would let a leak
        // go unseen.
        return {
          id: "none",
          state: {
            ...base,
            result: rpcSecret(value),
            bcryptHash: rpcSecret(`$2a$10$${hex(value, 53)}`),
          },
        };
      }
      case "aws:ec2/launchTemplate:LaunchTemplate":
        return {
          id: `lt-${id17}`,
          state: {
            ...base,
            name: n,
            arn: arn("ec2", `launch-template/lt-${id17}`),
            latestVersion: 1,
            defaultVersion: 1,
          },
        };
      case "aws:autoscaling/group:Group":
        return {
          id: n,
          state: {
            ...base,
            name: n,
            arn: arn(
              "autoscaling",
              `autoScalingGroup:${hex(seed, 8)}-${hex(seed, 4)}:autoScalingGroupName/${n}`,
            ),
          },
        };
      // Elastic pools (components/aws/elastic-pool.ts): scaling policies, schedules, alarms, the
      // dashboard, the scaling-activity rule.
      case "aws:autoscaling/policy:Policy":
        return {
          id: n,
          state: {
            ...base,
            name: n,
            arn: arn(
              "autoscaling",
              `scalingPolicy:${hex(seed, 8)}:autoScalingGroupName/${String(inputs.autoscalingGroupName)}:policyName/${n}`,
            ),
          },
        };
      case "aws:autoscaling/schedule:Schedule":
        return {
          id: String(inputs.scheduledActionName),
          state: { ...base, arn: arn("autoscaling", `scheduledUpdateGroupAction:${hex(seed, 8)}`) },
        };
      case "aws:cloudwatch/metricAlarm:MetricAlarm":
        return { id: n, state: { ...base, name: n, arn: arn("cloudwatch", `alarm:${n}`) } };
      case "aws:cloudwatch/dashboard:Dashboard":
        return {
          id: String(inputs.dashboardName),
          state: {
            ...base,
            dashboardArn: arn("cloudwatch", `dashboard/${String(inputs.dashboardName)}`, false),
          },
        };
      case "aws:cloudwatch/eventRule:EventRule":
        return { id: n, state: { ...base, name: n, arn: arn("events", `rule/${n}`) } };
      case "aws:cloudwatch/eventTarget:EventTarget":
        return { id: `${String(inputs.rule)}-${hex(seed, 8)}`, state: { ...base } };
      case "aws:lb/loadBalancer:LoadBalancer": {
        const lbName = n.slice(0, 32);
        const suffix = `app/${lbName}/${hex(seed, 16)}`;
        return {
          id: arn("elasticloadbalancing", `loadbalancer/${suffix}`),
          state: {
            ...base,
            name: lbName,
            arn: arn("elasticloadbalancing", `loadbalancer/${suffix}`),
            arnSuffix: suffix,
            dnsName: `${lbName}-${parseInt(hex(seed, 8), 16)}.${region}.elb.amazonaws.com`,
            zoneId: "Z35SXDOTRQ7X7K",
          },
        };
      }
      case "aws:lb/targetGroup:TargetGroup": {
        const suffix = `targetgroup/${n}/${hex(seed, 16)}`;
        return {
          id: arn("elasticloadbalancing", suffix),
          state: { ...base, name: n, arn: arn("elasticloadbalancing", suffix), arnSuffix: suffix },
        };
      }
      case "aws:lb/listener:Listener":
        return {
          id: arn("elasticloadbalancing", `listener/app/${hex(seed, 16)}`),
          state: { ...base, arn: arn("elasticloadbalancing", `listener/app/${hex(seed, 16)}`) },
        };
      case "aws:lb/listenerRule:ListenerRule":
        return {
          id: arn("elasticloadbalancing", `listener-rule/app/${hex(seed, 16)}`),
          state: {
            ...base,
            arn: arn("elasticloadbalancing", `listener-rule/app/${hex(seed, 16)}`),
          },
        };
      case "aws:ec2/instance:Instance": {
        const ip = `10.0.${parseInt(hex(seed, 2), 16) % 200}.${(parseInt(hex(`${seed}ip`, 2), 16) % 250) + 4}`;
        return {
          id: `i-${id17}`,
          state: {
            ...base,
            arn: arn("ec2", `instance/i-${id17}`),
            privateIp: ip,
            privateDns: `ip-${ip.replace(/\./g, "-")}.${region}.compute.internal`,
            publicIp: "",
            instanceState: "running",
          },
        };
      }
      case "aws:ebs/volume:Volume":
        return { id: `vol-${id17}`, state: { ...base, arn: arn("ec2", `volume/vol-${id17}`) } };
      case "aws:ec2/volumeAttachment:VolumeAttachment":
        return { id: `vai-${hex(seed, 10)}`, state: base };
      case "aws:lb/targetGroupAttachment:TargetGroupAttachment":
        return { id: `${String(inputs.targetGroupArn)}-${hex(seed, 8)}`, state: base };
      case "aws:s3/bucket:Bucket": {
        // bucketPrefix: S3 (the provider) appends 26 lower-case characters; else the program's
        // name, else auto-naming.
        const b =
          typeof inputs.bucket === "string"
            ? inputs.bucket
            : typeof inputs.bucketPrefix === "string"
              ? `${inputs.bucketPrefix}${hex(seed, 26)}`
              : physical(name, inputs).toLowerCase();
        return {
          id: b,
          state: {
            ...base,
            bucket: b,
            arn: `arn:${partition}:s3:::${b}`,
            bucketDomainName: `${b}.s3.amazonaws.com`,
            bucketRegionalDomainName: `${b}.s3.${region}.amazonaws.com`,
            bucketRegion: region,
            region,
            hostedZoneId: S3_HOSTED_ZONES[region] ?? "Z3AQBSTGFYJSTF",
            forceDestroy: inputs.forceDestroy ?? false,
            objectLockEnabled: false,
            requestPayer: "BucketOwner",
            // Since January 2023 every new bucket encrypts with SSE-S3 by default.
            serverSideEncryptionConfiguration: {
              rule: {
                applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" },
                bucketKeyEnabled: false,
              },
            },
            versioning: { enabled: false, mfaDelete: false },
            tagsAll: inputs.tags ?? {},
          },
        };
      }
      case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
      case "aws:s3/bucketOwnershipControls:BucketOwnershipControls":
      case "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
      case "aws:s3/bucketPolicy:BucketPolicy":
      case "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
        // Keyed by the bucket's name, as the provider does.
        return { id: String(inputs.bucket), state: { ...base, region } };
      case "aws:ec2/flowLog:FlowLog":
        return {
          id: `fl-${id17}`,
          state: {
            ...base,
            arn: arn("ec2", `vpc-flow-log/fl-${id17}`),
            tagsAll: inputs.tags ?? {},
          },
        };
      case "aws:s3/bucketObjectv2:BucketObjectv2": {
        const content = pulumi.runtime.isRpcSecret(inputs.content)
          ? pulumi.runtime.unwrapRpcSecret(inputs.content)
          : inputs.content;
        const body = typeof content === "string" ? content : "";
        const key = String(inputs.key);
        return {
          id: key,
          state: {
            ...base,
            key,
            arn: `arn:${partition}:s3:::${String(inputs.bucket)}/${key}`,
            // A single-part upload with SSE-S3: the ETag is the MD5 of the content.
            etag: createHash("md5").update(body, "utf8").digest("hex"),
            // The bucket is not versioned: S3 returns no version id.
            versionId: "",
            contentType: inputs.contentType ?? "binary/octet-stream",
            serverSideEncryption: inputs.serverSideEncryption ?? "AES256",
            storageClass: "STANDARD",
            bucketKeyEnabled: false,
            forceDestroy: false,
            region,
            tagsAll: inputs.tags ?? {},
          },
        };
      }
      default: {
        const g = gatewayMockState(type, name, inputs, { region, arn, hex, physical });
        if (g) return g;
        const d = dockerMockState(type, name, inputs, hex);
        if (d) return d;
        if (type.startsWith("gpufleet:")) return { id: "", state: {} };
        // Kubernetes objects: the API server answers with the object, its id namespace/name.
        if (type.startsWith("kubernetes:") || type === "pulumi:providers:kubernetes") {
          const m = (inputs.metadata ?? {}) as { name?: string; namespace?: string };
          const id = m.name ? [m.namespace, m.name].filter(Boolean).join("/") : n;
          return { id: type.includes("helm.sh") ? "" : id, state: base };
        }
        throw new Error(`offline mocks have no answer for resource type ${type}`);
      }
    }
  }

  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      const parent = pendingParent;
      pendingParent = undefined;
      const urn = urnOf(opts.project, opts.stack, parent, args.type, args.name);
      const result = stateOf(args.type, args.name, args.inputs as State);
      resources.push({
        urn,
        type: args.type,
        name: args.name,
        parent,
        custom: args.custom ?? true,
        id: result.id,
        inputs: args.inputs as State,
      });
      return result;
    },
    call(args) {
      const inputs = args.inputs as State;
      calls.push({ token: args.token, inputs });
      switch (args.token) {
        case "aws:ssm/getParameter:getParameter": {
          const name = String(inputs.name);
          if (!name.startsWith("/aws/service/"))
            throw new Error(`offline mocks answer only AWS public SSM parameters, not ${name}`);
          const value = opts.amiId ?? "ami-0123456789abcdef0";
          return {
            id: name,
            name,
            type: "String",
            value,
            insecureValue: value,
            version: 1,
            withDecryption: true,
            arn: arn("ssm", `parameter${name}`, true, false),
          };
        }
        case "aws:index/getAvailabilityZones:getAvailabilityZones": {
          const letters = ["a", "b", "c", "d", "f"];
          return {
            id: region,
            names: letters.map((l) => `${region}${l}`),
            zoneIds: letters.map((_, i) => `${region.replace(/-/g, "").slice(0, 4)}-az${i + 1}`),
            groupNames: letters.map(() => region),
          };
        }
        case "aws:ec2/getSubnet:getSubnet": {
          // Subnets the program created: the mock's ids are stable hashes, so assign zones by id
          // (a, b, …).
          const id = String(inputs.id ?? "subnet-00000000000000000");
          const zone = `${region}${["a", "b", "c", "d"][parseInt(id.slice(-1), 16) % 4]}`;
          return {
            id,
            arn: arn("ec2", `subnet/${id}`),
            availabilityZone: zone,
            vpcId: "vpc-offline",
            cidrBlock: "10.0.0.0/20",
          };
        }
        case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": {
          // Every requested type in zones a–d (the getSubnet answer's zones): what a region with
          // the G families looks like; a test that needs a gap asserts on the filter instead.
          const filters = (inputs.filters as Array<{ name: string; values: string[] }>) ?? [];
          const types = filters.find((f) => f.name === "instance-type")?.values ?? [];
          const zones = ["a", "b", "c", "d"].map((l) => `${region}${l}`);
          const pairs = types.flatMap((t) => zones.map((z) => [t, z] as const));
          return {
            id: region,
            locationType: inputs.locationType ?? "availability-zone",
            instanceTypes: pairs.map(([t]) => t),
            locations: pairs.map(([, z]) => z),
            locationTypes: pairs.map(() => "availability-zone"),
          };
        }
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return {
            id: account,
            accountId: account,
            arn: `arn:${partition}:iam::${account}:user/gpufleet-offline`,
            userId: "AIDAOFFLINEPREVIEW0000",
          };
        case "aws:index/getRegion:getRegion":
          return {
            id: region,
            name: region,
            region,
            description: region,
            endpoint: `ec2.${region}.amazonaws.com`,
          };
        case "aws:index/getPartition:getPartition":
          return {
            id: partition,
            partition,
            dnsSuffix: partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com",
            reverseDnsPrefix: partition === "aws-cn" ? "cn.com.amazonaws" : "com.amazonaws",
          };
        default:
          throw new Error(`offline mocks have no answer for ${args.token}`);
      }
    },
  };

  /**
   * The mock's newResource is not told the parent: wrap the mock monitor's registerResource, which
   * calls
   * newResource synchronously, and hand the parent URN over in between.
   */
  function installParentTracking(): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as {
      registerResource: (req: { getParent(): string }, cb: unknown) => unknown;
      __gpufleetTracked?: boolean;
    };
    if (!monitor || monitor.__gpufleetTracked) return;
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
      pendingParent = req.getParent() || undefined;
      try {
        return original(req, cb);
      } finally {
        pendingParent = undefined;
      }
    };
    monitor.__gpufleetTracked = true;
  }

  return { mocks, resources, calls, installParentTracking };
}

/**
 * A deep copy with every secret (wrapped, or a value listed in `secretValues`) replaced by
 * "[secret]".
 */
export function redactSecrets(value: unknown, secretValues: readonly string[] = []): unknown {
  if (pulumi.runtime.isRpcSecret(value)) return "[secret]";
  if (typeof value === "string")
    return secretValues.some((s) => s.length > 0 && value.includes(s)) ? "[secret]" : value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, secretValues));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redactSecrets(v, secretValues)]),
    );
  }
  return value;
}
