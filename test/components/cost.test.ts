// The fleet's whole hourly bill: every GPU pool and what the AWS program runs beside them.
import { describe, expect, it } from "vitest";
import { parseStackConfig, toPlanInput } from "../../config";
import { INFRA_PRICES, computeFleetCost, priceAwsFleet } from "../../components/aws";
import { GATEWAY_PRICES, HOURS_PER_MONTH, gatewayMonthlyCost } from "../../gateway";
import { planFleet } from "../../planner/plan";
import { DEV_POOLS } from "./harness";

function priced(raw: Record<string, unknown>, region = "us-east-1") {
  const cfg = parseStackConfig(raw);
  const plan = planFleet(toPlanInput("dev", cfg));
  return { plan, priced: priceAwsFleet(plan, cfg, region), cfg };
}

const item = (p: ReturnType<typeof priced>["priced"], name: string) =>
  p.costBreakdown!.items.find((i) => i.item === name);

describe("priceAwsFleet", () => {
  it("counts GPU pools, load balancer, NAT gateway and monitoring host; costPerHour is their sum", () => {
    const { plan, priced: p } = priced({ pools: DEV_POOLS });
    const items = p.costBreakdown!.items;
    expect(items.map((i) => i.item)).toEqual([
      "GPU pool a10g",
      "GPU pool a100",
      "load balancer",
      "NAT gateways",
      "monitoring host",
    ]);
    expect(p.costPerHour).toBeCloseTo(
      items.reduce((s, i) => s + i.usdPerHour, 0),
      2, // the total is rounded to a tenth of a cent
    );
    // The GPU pools are the planner's figures; the rest comes on top.
    expect(item(p, "GPU pool a100")!.usdPerHour).toBe(plan.pools[1]!.costPerHour);
    expect(p.costPerHour).toBeGreaterThan(plan.costPerHour);
    expect(item(p, "load balancer")!.usdPerHour).toBe(GATEWAY_PRICES.albHour);
    expect(item(p, "NAT gateways")!.usdPerHour).toBeCloseTo(
      INFRA_PRICES.natGatewayHour + INFRA_PRICES.publicIpv4Hour,
      6,
    );
    expect(item(p, "monitoring host")!.usdPerHour).toBeCloseTo(
      INFRA_PRICES.monitoringInstanceHour["t3.medium"]! +
        (70 * INFRA_PRICES.ebsGp3GbMonth) / HOURS_PER_MONTH,
      3,
    );
    expect(p.costBreakdown!.pricesRegion).toBe("us-east-1");
    expect(p.costBreakdown!.note).toMatch(/^On-demand list prices of us-east-1/);
  });

  it("adds one NAT gateway per zone with perAz, the gateway when enabled, none without monitoring", () => {
    const { priced: p } = priced({
      pools: DEV_POOLS,
      vpc: { azCount: 3, natGateways: "perAz" },
      gateway: { enabled: true },
      monitoring: { enabled: false },
    });
    expect(item(p, "NAT gateways")!.usdPerHour).toBeCloseTo(
      3 * (INFRA_PRICES.natGatewayHour + INFRA_PRICES.publicIpv4Hour),
      6,
    );
    expect(item(p, "gateway")!.usdPerHour).toBeCloseTo(
      gatewayMonthlyCost({ enabled: true }).usdPerMonth / HOURS_PER_MONTH,
      3,
    );
    expect(item(p, "monitoring host")).toBeUndefined();
  });

  it("bills no NAT gateway for an existing VPC (its own NAT is not this stack's)", () => {
    const { priced: p } = priced({
      pools: DEV_POOLS,
      vpc: {
        id: "vpc-0123456789abcdef0",
        publicSubnetIds: ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"],
        privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1"],
      },
    });
    expect(item(p, "NAT gateways")).toBeUndefined();
  });

  it("says plainly that the prices are us-east-1's when the stack runs elsewhere", () => {
    const cfg = parseStackConfig({ pools: DEV_POOLS });
    const plan = planFleet(toPlanInput("dev", cfg));
    expect(computeFleetCost(plan, cfg, "eu-central-1").note).toMatch(
      /us-east-1 .*The stack's region is eu-central-1: its prices differ/,
    );
    expect(computeFleetCost(plan, cfg, "us-east-1").note).not.toMatch(/differ/);
  });
});
