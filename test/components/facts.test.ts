// The pure arithmetic beside the AWS components: CIDRs, names, sizes, routes, quotas, and the
// config keys they read.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_CREATED_VPC_PREFIX,
  MIN_CREATED_VPC_PREFIX,
  parseStackConfig,
  toPlanInput,
  ConfigError,
} from "../../config";
import {
  computeModelRoutes,
  computeSubnetCidrs,
  computeVcpuQuotaNeeds,
  healthCheckGraceSeconds,
  idleTimeoutSeconds,
  poolSizes,
  proxyReadTimeoutSeconds,
  rootVolumeGiB,
  targetGroupName,
} from "../../components/aws/facts";
import { portRanges } from "../../components/aws/security";
import { planFleet } from "../../planner/plan";
import { DEV_POOLS } from "./harness";

const devPlan = planFleet(toPlanInput("dev", parseStackConfig({ pools: DEV_POOLS })));

describe("computeSubnetCidrs", () => {
  it.each([
    ["10.0.0.0/16", 2, ["10.0.0.0/20", "10.0.16.0/20"], ["10.0.128.0/20", "10.0.144.0/20"]],
    [
      "10.20.0.0/16",
      3,
      ["10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"],
      ["10.20.128.0/20", "10.20.144.0/20", "10.20.160.0/20"],
    ],
    [
      "192.168.4.0/23",
      2,
      ["192.168.4.0/27", "192.168.4.32/27"],
      ["192.168.5.0/27", "192.168.5.32/27"],
    ],
  ])("%s in %i AZs", (cidr, n, pub, priv) => {
    expect(computeSubnetCidrs(cidr, n)).toEqual({ public: pub, private: priv });
  });

  it("never overlaps and stays inside the VPC", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: MIN_CREATED_VPC_PREFIX, max: MAX_CREATED_VPC_PREFIX }),
        fc.integer({ min: 1, max: 8 }),
        (b, prefix, n) => {
          const { public: pub, private: priv } = computeSubnetCidrs(`10.${b}.0.0/${prefix}`, n);
          const all = [...pub, ...priv];
          expect(new Set(all).size).toBe(all.length);
          for (const c of all) expect(Number(c.split("/")[1])).toBe(prefix + 4);
          // Every subnet can hold the load balancer: /27 or larger.
          for (const c of pub) expect(Number(c.split("/")[1])).toBeLessThanOrEqual(27);
        },
      ),
    );
  });

  it.each(["10.0.0.0/24", "10.0.0.0/28", "10.0.0.0/15"])(
    "refuses %s: its subnets could not hold a load balancer (or it is wider than a VPC)",
    (cidr) => {
      expect(() => computeSubnetCidrs(cidr, 2)).toThrow(/prefix must be \/16 to \/23/);
      expect(() => parseStackConfig({ pools: DEV_POOLS, vpc: { cidr } })).toThrow(
        /gpufleet:vpc\.cidr: prefix must be \/16 to \/23/,
      );
    },
  );
});

describe("names and sizes", () => {
  it("target group names fit 32 characters, differ by stack, pool and port", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/),
        fc.integer({ min: 1024, max: 65535 }),
        (pool, port) => {
          const name = targetGroupName("dev", pool, port);
          expect(name.length).toBeLessThanOrEqual(32);
          expect(name).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
          expect(name).not.toBe(targetGroupName("prod", pool, port));
          expect(name).not.toBe(targetGroupName("dev", pool, port + 1));
        },
      ),
    );
  });

  it("sizes pools from count, minCount and maxCount", () => {
    expect(poolSizes({ count: 2 })).toEqual({ min: 2, desired: 2, max: 2 });
    expect(poolSizes({ count: 2, minCount: 0, maxCount: 5 })).toEqual({
      min: 0,
      desired: 2,
      max: 5,
    });
  });

  it("root volume holds the AMI and images; the weights too without instance store", () => {
    const a10g = devPlan.pools[0]!;
    expect(a10g.localNvmeGB).toBeGreaterThan(0);
    const withStore = rootVolumeGiB(a10g);
    const without = rootVolumeGiB({ ...a10g, localNvmeGB: 0 });
    expect(withStore).toBeGreaterThanOrEqual(100);
    expect(without).toBeGreaterThanOrEqual(
      withStore - 10 + 1.2 * a10g.replicas[0]!.memory.weightsGiB,
    );
    expect(without).toBeGreaterThan(withStore);
    expect(withStore % 10).toBe(0);
  });

  it("grace period covers the slowest cold start; idle timeout covers the proxy's read timeout within ALB's 4000 s", () => {
    for (const pool of devPlan.pools) {
      const cold = Math.max(...pool.replicas.map((r) => r.estimates.coldStartSeconds));
      expect(healthCheckGraceSeconds(pool)).toBeGreaterThanOrEqual(cold);
      expect(idleTimeoutSeconds(devPlan)).toBeGreaterThanOrEqual(
        Math.min(4000, proxyReadTimeoutSeconds(pool)),
      );
    }
    expect(idleTimeoutSeconds(devPlan)).toBeLessThanOrEqual(4000);
    expect(idleTimeoutSeconds(devPlan, 120)).toBe(120);
  });

  it("merges port lists into ranges", () => {
    expect(portRanges([8001, 8000, 8002, 8004, 9100, 8000])).toEqual([
      [8000, 8002],
      [8004, 8004],
      [9100, 9100],
    ]);
  });
});

describe("routes and quotas", () => {
  it("one route per served model, in plan order, weighted by the replicas serving it", () => {
    // The dev stack plans saiga_nemo_12b on both pools: 1 replica on a10g, 8 on a100.
    expect(computeModelRoutes(devPlan)).toEqual([
      {
        servedName: "saiga-nemo-12b",
        pools: [
          { pool: "a10g", weight: Math.round(999 / 8) },
          { pool: "a100", weight: 999 },
        ],
      },
    ]);
    const two = planFleet(
      toPlanInput(
        "dev",
        parseStackConfig({
          pools: [{ ...DEV_POOLS[0], model: "Qwen/Qwen2.5-7B-Instruct" }, DEV_POOLS[1]],
        }),
      ),
    );
    expect(computeModelRoutes(two)).toEqual([
      { servedName: "qwen2.5-7b-instruct", pools: [{ pool: "a10g", weight: 999 }] },
      { servedName: "saiga-nemo-12b", pools: [{ pool: "a100", weight: 999 }] },
    ]);
  });

  it("sums vCPUs per quota: desired, at maxCount, during a refresh", () => {
    const cfg = parseStackConfig({
      pools: [{ ...DEV_POOLS[0], count: 2, maxCount: 4 }, DEV_POOLS[1]],
    });
    const plan = planFleet(toPlanInput("dev", cfg));
    expect(computeVcpuQuotaNeeds(plan, cfg)).toEqual({
      "G and VT": { desired: 16, max: 32, duringRefresh: 24 },
      P: { desired: 96, max: 96, duringRefresh: 192 },
    });
  });
});

describe("AWS config keys", () => {
  const problems = (raw: Record<string, unknown>): string[] => {
    try {
      parseStackConfig(raw);
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  it("accepts every documented key", () => {
    expect(
      problems({
        pools: [
          {
            ...DEV_POOLS[0],
            minCount: 1,
            maxCount: 2,
            availabilityZones: ["us-east-1a"],
            amiId: "ami-0123456789abcdef0",
            rootVolumeGiB: 300,
          },
        ],
        vpc: { cidr: "10.1.0.0/16", azCount: 3 },
        loadBalancer: {
          allowedCidrs: ["10.0.0.0/8"],
          certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x-1",
          idleTimeoutSeconds: 3600,
        },
        hfToken: { secure: "v1:abc" },
        apiKey: "plain-in-tests",
        amiId: "ami-0123456789abcdef0",
      }),
    ).toEqual([]);
  });

  it.each([
    [
      { vpc: { id: "vpc-0123456789abcdef0" } },
      [
        "gpufleet:vpc.publicSubnetIds: required with vpc.id",
        "gpufleet:vpc.privateSubnetIds: required with vpc.id",
      ],
    ],
    [
      { vpc: { cidr: "10.0.0.0/12" } },
      [expect.stringMatching(/^gpufleet:vpc\.cidr: prefix must be \/16 to \/23: /)],
    ],
    [
      { vpc: { privateSubnetIds: ["subnet-0123456789abcdef0"] } },
      ["gpufleet:vpc.privateSubnetIds: requires vpc.id (subnets of an existing VPC)"],
    ],
    [
      { loadBalancer: { allowedCidrs: ["everyone"] } },
      ['gpufleet:loadBalancer.allowedCidrs[0]: must be an IPv4 CIDR such as "203.0.113.0/24"'],
    ],
    [
      { loadBalancer: { sslPolicy: "x" } },
      ["gpufleet:loadBalancer.sslPolicy: unknown key (check its spelling; README lists every key)"],
    ],
    [{ hfToken: { secret: "x" } }, [expect.stringMatching(/^gpufleet:hfToken: /)]],
  ])("rejects %j", (extra, expected) => {
    expect(problems({ pools: DEV_POOLS, ...extra })).toEqual(expected);
  });

  it("rejects pool sizes out of order and both subnetIds and availabilityZones", () => {
    expect(
      problems({
        pools: [
          {
            ...DEV_POOLS[0],
            count: 2,
            maxCount: 1,
            subnetIds: ["subnet-0123456789abcdef0"],
            availabilityZones: ["us-east-1a"],
          },
        ],
      }),
    ).toEqual([
      "gpufleet:pools[0].maxCount: must be at least count (2) and minCount",
      "gpufleet:pools[0].availabilityZones: give either subnetIds (an existing VPC) or availabilityZones (a created VPC), not both",
    ]);
  });
});

describe("gpufleet:apiKey", () => {
  it("accepts what the boot script accepts, and never echoes the value", () => {
    expect(() => parseStackConfig({ pools: DEV_POOLS, apiKey: "abcDEF12._~+/=-" })).not.toThrow();
    expect(() => parseStackConfig({ pools: DEV_POOLS, apiKey: { secure: "v1:x" } })).not.toThrow();
    try {
      parseStackConfig({ pools: DEV_POOLS, apiKey: "short key!" });
      expect.unreachable();
    } catch (err) {
      const problems = (err as ConfigError).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^gpufleet:apiKey: /);
      expect(problems[0]).not.toContain("short key!");
    }
  });
});
