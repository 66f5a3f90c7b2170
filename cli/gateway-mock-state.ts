// Realistic provider state for the resource types only the gateway creates (RDS, Secrets Manager,
// ECS), for the offline mocks (cli/offline-mocks.ts's `stateOf` falls through to this), which the
// gateway's tests use too. Mock state belongs to the mocks, not to the gateway's renderers.
// Pure: the helpers (ARN builder, hashing, the engine's secret wrapper) are handed in.

export interface MockStateHelpers {
  region: string;
  /** `arn:<partition>:<service>:<region>:<account>:<resource>`. */
  arn(service: string, resource: string, withRegion?: boolean, withAccount?: boolean): string;
  /** Deterministic hex of a seed. */
  hex(seed: string, length: number): string;
  /** The physical name auto-naming would give (or `inputs.name`). */
  physical(name: string, inputs: Record<string, unknown>): string;
}

export type MockState = { id: string; state: Record<string, unknown> };

/** State for a gateway-only resource type, or undefined for any other type. */
export function gatewayMockState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  h: MockStateHelpers,
): MockState | undefined {
  const seed = `${type}::${name}`;
  const base = { ...inputs };
  const n = h.physical(name, inputs);
  switch (type) {
    case "aws:secretsmanager/secret:Secret": {
      // Secrets Manager appends six random characters to the name in the ARN.
      const arn = h.arn("secretsmanager", `secret:${n}-${h.hex(seed, 6)}`);
      return { id: arn, state: { ...base, name: n, arn } };
    }
    case "aws:secretsmanager/secretVersion:SecretVersion": {
      const versionId = `${h.hex(seed, 8)}-${h.hex(`${seed}a`, 4)}-${h.hex(`${seed}b`, 4)}-${h.hex(`${seed}c`, 4)}-${h.hex(`${seed}d`, 12)}`;
      return {
        id: `${String(inputs.secretId)}|${versionId}`,
        state: { ...base, arn: inputs.secretId, versionId, versionStages: ["AWSCURRENT"] },
      };
    }
    case "aws:rds/subnetGroup:SubnetGroup": {
      const lower = n.toLowerCase();
      return { id: lower, state: { ...base, name: lower, arn: h.arn("rds", `subgrp:${lower}`) } };
    }
    case "aws:rds/instance:Instance": {
      const identifier = (
        typeof inputs.identifier === "string" ? inputs.identifier : n
      ).toLowerCase();
      const port = typeof inputs.port === "number" ? inputs.port : 5432;
      const address = `${identifier}.c${h.hex(seed, 11)}.${h.region}.rds.amazonaws.com`;
      return {
        id: `db-${h.hex(seed, 26).toUpperCase()}`,
        state: {
          ...base,
          identifier,
          address,
          endpoint: `${address}:${port}`,
          port,
          arn: h.arn("rds", `db:${identifier}`),
          resourceId: `db-${h.hex(seed, 26).toUpperCase()}`,
          engineVersionActual: "16.8",
          status: "available",
        },
      };
    }
    case "aws:ecs/cluster:Cluster": {
      const arn = h.arn("ecs", `cluster/${n}`);
      return { id: arn, state: { ...base, name: n, arn } };
    }
    case "aws:ecs/taskDefinition:TaskDefinition": {
      const family = String(inputs.family ?? n);
      const arnWithoutRevision = h.arn("ecs", `task-definition/${family}`);
      return {
        id: family,
        state: { ...base, family, revision: 1, arn: `${arnWithoutRevision}:1`, arnWithoutRevision },
      };
    }
    case "aws:ecs/service:Service": {
      const cluster = String(inputs.cluster ?? "default")
        .split("/")
        .pop();
      const arn = h.arn("ecs", `service/${cluster}/${n}`);
      return { id: arn, state: { ...base, name: n, arn } };
    }
    default:
      return undefined;
  }
}
