// What the gateway adds to the monthly bill, from its dated price table.
import { describe, expect, it } from "vitest";
import { GATEWAY_PRICES, HOURS_PER_MONTH, gatewayMonthlyCost } from "../../gateway";

describe("gatewayMonthlyCost", () => {
  it("defaults: one 1 vCPU / 2 GB task, db.t4g.micro with 20 GB, the internal ALB, three secrets", () => {
    const cost = gatewayMonthlyCost();
    const p = GATEWAY_PRICES;
    const expected =
      (p.fargateVcpuHour + 2 * p.fargateGbHour) * HOURS_PER_MONTH +
      p.rdsInstanceHour["db.t4g.micro"]! * HOURS_PER_MONTH +
      20 * p.rdsGp3GbMonth +
      (p.albHour + p.albLcuHour) * HOURS_PER_MONTH +
      3 * p.secretMonth;
    expect(cost.usdPerMonth).toBeCloseTo(expected, 1);
    expect(cost.usdPerMonth).toBeGreaterThan(60);
    expect(cost.usdPerMonth).toBeLessThan(90);
    expect(cost.unpriced).toEqual([]);
    expect(cost.pricesAsOf).toMatch(/^\d{4}-\d{2}$/);
  });

  it("scales with tasks and task size; Multi-AZ doubles the database", () => {
    const base = gatewayMonthlyCost();
    const fargate = (c: ReturnType<typeof gatewayMonthlyCost>) => c.lines[0]!.usdPerMonth!;
    expect(fargate(gatewayMonthlyCost({ taskCount: 2 }))).toBeCloseTo(2 * fargate(base), 1);
    expect(fargate(gatewayMonthlyCost({ cpu: 2048, memoryMiB: 4096 }))).toBeCloseTo(
      2 * fargate(base),
      1,
    );
    const multi = gatewayMonthlyCost({ dbMultiAz: true });
    expect(multi.lines[1]!.usdPerMonth).toBeCloseTo(2 * base.lines[1]!.usdPerMonth!, 2);
    expect(multi.lines[2]!.usdPerMonth).toBeCloseTo(2 * base.lines[2]!.usdPerMonth!, 2);
  });

  it("counts a managed secret per distinct upstream key, none for keys given by ARN; says which prices it lacks", () => {
    const cost = gatewayMonthlyCost({
      dbInstanceClass: "db.r7g.large",
      upstreams: [
        { name: "a", provider: "openai", model: "x", apiKeySecret: "openai" },
        { name: "b", provider: "openai", model: "y", apiKeySecret: "openai" },
        {
          name: "c",
          provider: "anthropic",
          model: "z",
          apiKeySecret: "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbC123",
        },
      ],
    });
    expect(cost.lines.find((l) => l.item === "Secrets Manager")!.usdPerMonth).toBeCloseTo(
      4 * GATEWAY_PRICES.secretMonth,
      2,
    );
    expect(cost.unpriced).toEqual(["RDS PostgreSQL db.r7g.large"]);
    expect(cost.usdPerMonth).toBeCloseTo(
      cost.lines.reduce((s, l) => s + (l.usdPerMonth ?? 0), 0),
      2,
    );
  });
});
