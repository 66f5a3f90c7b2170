// The LiteLLM task as pure data: its container definition (config as a non-secret base64 variable,
// credentials only
// as `secrets` with valueFrom ARNs) and the IAM documents of its execution role. The component
// resolves ARNs once
// and calls these.
import type { PolicyDocument } from "../components/aws/policies";
import { GATEWAY_ENV, LITELLM_PORT } from "./options";

/** Where the boot command writes the decoded config inside the container. */
export const CONFIG_PATH = "/tmp/gpufleet-litellm-config.yaml";

/**
 * The container's command: decode the config from its variable with the image's own Python (no AWS
 * CLI or boto3
 * needed in the image), then exec LiteLLM on it. The variable holds no secret, so it may sit in
 * `environment`.
 */
export const BOOT_SCRIPT =
  `python3 -c 'import base64,os; open("${CONFIG_PATH}","wb").write(base64.b64decode(os.environ["${GATEWAY_ENV.config}"]))'` +
  ` && exec litellm --config ${CONFIG_PATH} --port ${LITELLM_PORT}`;

/** LiteLLM's settings as environment variables (no secret among them), on every target. */
export const LITELLM_ENVIRONMENT = {
  // The price map bundled with the pinned image, not one fetched from GitHub at every start.
  LITELLM_LOCAL_MODEL_COST_MAP: "True",
  // No .env loading in production.
  LITELLM_MODE: "PRODUCTION",
  LITELLM_LOG: "INFO",
} as const;

/** Largest config the task definition carries (ECS caps the whole task definition at 64 KiB). */
export const MAX_CONFIG_BYTES = 32 * 1024;

export interface SecretRef {
  /** Environment variable name inside the container. */
  name: string;
  /** ARN of a Secrets Manager secret (optionally `:json-key::`) or of an SSM parameter. */
  valueFrom: string;
}

export interface GatewayContainerArgs {
  image: string;
  /** The LiteLLM config YAML (credentials as os.environ/ references only). */
  configYaml: string;
  secrets: SecretRef[];
  logGroupName: string;
  region: string;
}

export interface ContainerDefinition {
  name: string;
  image: string;
  essential: boolean;
  entryPoint: string[];
  command: string[];
  portMappings: Array<{ containerPort: number; protocol: "tcp" }>;
  environment: Array<{ name: string; value: string }>;
  secrets: SecretRef[];
  logConfiguration: { logDriver: "awslogs"; options: Record<string, string> };
  stopTimeout: number;
}

/** The single container of the gateway task. */
export function gatewayContainerDefinitions(a: GatewayContainerArgs): ContainerDefinition[] {
  const encoded = Buffer.from(a.configYaml, "utf8").toString("base64");
  if (Buffer.byteLength(a.configYaml) > MAX_CONFIG_BYTES) {
    throw new Error(
      `LiteLLM config is ${Buffer.byteLength(a.configYaml)} bytes; the task definition carries at most ${MAX_CONFIG_BYTES}`,
    );
  }
  const names = a.secrets.map((s) => s.name);
  if (new Set(names).size !== names.length)
    throw new Error(`duplicate secret variables: ${names.join(", ")}`);
  return [
    {
      name: "litellm",
      image: a.image,
      essential: true,
      entryPoint: ["/bin/sh", "-c"],
      command: [BOOT_SCRIPT],
      portMappings: [{ containerPort: LITELLM_PORT, protocol: "tcp" }],
      environment: [
        { name: GATEWAY_ENV.config, value: encoded },
        ...Object.entries(LITELLM_ENVIRONMENT).map(([name, value]) => ({ name, value })),
      ],
      secrets: a.secrets,
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": a.logGroupName,
          "awslogs-region": a.region,
          "awslogs-stream-prefix": "litellm",
        },
      },
      // Streams in flight get two minutes when a task is replaced (Fargate's maximum).
      stopTimeout: 120,
    },
  ];
}

/** Trust policy of the task execution role: only ECS tasks of this account may assume it. */
export function ecsTasksAssumeRolePolicy(accountId: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EcsTasksAssumeRole",
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: ["sts:AssumeRole"],
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  };
}

export interface ExecutionPolicyArgs {
  /** ARNs of the Secrets Manager secrets the task reads (without any `:json-key::` suffix). */
  secretArns: string[];
  /** ARNs of the SSM parameters the task reads. */
  parameterArns: string[];
  /** ARN of the task's log group (without ":*"). */
  logGroupArn: string;
}

/**
 * The execution role reads exactly the task's secrets and parameters and writes its log group;
 * nothing else. The
 * secrets use the AWS-managed keys (aws/secretsmanager, aws/ssm), which ECS may decrypt through the
 * services
 * without a kms:Decrypt grant. The image comes from a public registry: no ECR permission either.
 */
export function gatewayExecutionPolicyDocument(a: ExecutionPolicyArgs): PolicyDocument {
  const statements: PolicyDocument["Statement"] = [];
  if (a.secretArns.length > 0) {
    statements.push({
      Sid: "ReadGatewaySecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [...new Set(a.secretArns)],
    });
  }
  if (a.parameterArns.length > 0) {
    statements.push({
      Sid: "ReadEngineApiKey",
      Effect: "Allow",
      Action: ["ssm:GetParameters"],
      Resource: [...new Set(a.parameterArns)],
    });
  }
  statements.push({
    Sid: "WriteGatewayLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: [`${a.logGroupArn}:log-stream:*`],
  });
  return { Version: "2012-10-17", Statement: statements };
}

/** The database secret's JSON (RDS's own layout, plus the URL LiteLLM reads as DATABASE_URL). */
export function databaseSecretJson(a: {
  host: string;
  port: number;
  username: string;
  password: string;
  dbname: string;
}): string {
  const url = `postgresql://${encodeURIComponent(a.username)}:${encodeURIComponent(a.password)}@${a.host}:${a.port}/${a.dbname}`;
  return JSON.stringify({
    engine: "postgres",
    host: a.host,
    port: a.port,
    username: a.username,
    password: a.password,
    dbname: a.dbname,
    url,
  });
}
