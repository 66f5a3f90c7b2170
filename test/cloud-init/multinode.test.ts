// A two-node group on EC2, booted in two sandboxes: the real gpufleet-multinode and watchdog scripts
// and the real rendered replica unit, with a stub EC2 API (DescribeInstances answered from one list
// of instances, as AWS shapes it) and a stub IMDS. Each node's engine command must get its rank and
// the leader's address; a worker waits for its group and for the leader's port; a replaced member
// restarts the engine.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { planElasticFleet } from "../../planner/capacity";
import { planFleetMultiNode } from "../../planner/multinode";
import type { PoolPlan, PoolSpec } from "../../planner/types";
import { BIG_MODELS, LLAMA_405B } from "../planner/big-models";
import { planStackConfig } from "../../config";
import { renderPrometheusConfig, resolveMonitoringContext } from "../../monitoring";
import { CONTEXT as MONITORING_CONTEXT } from "../monitoring/fixtures";
import { STUB_LOG_LINE, describeRun, requireTool, run, tempDir } from "../tools";
import { MULTI_NODE_STACK as STACK } from "../components/multinode-stack";
import { CONTEXT } from "./fixtures";
import { createSandbox, type Sandbox } from "./sandbox-helpers";

vi.setConfig({ testTimeout: 120_000 });

/** Llama 3.1 405B over two p5.48xlarge (EFA), as the aws target plans it. */
const POOL_SPEC: PoolSpec = {
  name: "big",
  instanceType: "p5.48xlarge",
  count: 2,
  model: LLAMA_405B.id,
  engine: "auto",
  quantization: "none",
};
const POOL: PoolPlan = planFleetMultiNode(
  { stack: CONTEXT.stack, pools: [POOL_SPEC], models: BIG_MODELS },
  planElasticFleet,
  true,
).pools[0]!;
const UNIT = "gpufleet-vllm-8000";
const GROUP = "dev/big/0";

interface Instance {
  id: string;
  role: "leader" | "worker";
  ip: string;
  launched: string;
  group?: string;
}

// A stub DescribeInstances: --instance-ids or --filters (group tag, states) over $STUB_DIR/instances.json, answered
// in the API's JSON shape; a stub IMDS (token, instance-id) before the default curl stub.
const AWS_STUB = `#!/usr/bin/env bash
# Anything else (SSM) goes to the sandbox's own aws stub.
[ "$1 $2" = "ec2 describe-instances" ] || exec "$STUB_DIR/../stubs/aws" "$@"
${STUB_LOG_LINE}
exec python3 - "$@" <<'PY'
import json, os, sys
args = sys.argv[1:]
listed = json.load(open(os.path.join(os.environ["STUB_DIR"], "instances.json")))
ids = args[args.index("--instance-ids") + 1:args.index("--instance-ids") + 2] if "--instance-ids" in args else None
group = None
states = ["pending", "running"]
for a in args:
    if a.startswith("Name=tag:gpufleet:group,Values="):
        group = a.split("Values=", 1)[1]
    if a.startswith("Name=instance-state-name,Values="):
        states = a.split("Values=", 1)[1].split(",")
out = []
for i in listed:
    if ids is not None and i["InstanceId"] not in ids:
        continue
    tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
    if group is not None and tags.get("gpufleet:group") != group:
        continue
    if i["State"]["Name"] not in states:
        continue
    out.append(i)
print(json.dumps({"Reservations": [{"ReservationId": "r-0", "Instances": out}]}))
PY
`;
const CURL_STUB = `#!/usr/bin/env bash
${STUB_LOG_LINE}
case "\${!#}" in
  */latest/api/token) echo stub-imds-token ;;
  */latest/meta-data/instance-id) cat "$STUB_DIR/instance-id" ;;
  *) exit 0 ;;
esac
`;

function setInstances(sb: Sandbox, list: Instance[]): void {
  const json = list.map((i) => ({
    InstanceId: i.id,
    InstanceType: "p5.48xlarge",
    LaunchTime: i.launched,
    PrivateIpAddress: i.ip,
    State: { Code: 16, Name: "running" },
    Tags: [
      { Key: "gpufleet:group", Value: i.group ?? GROUP },
      { Key: "gpufleet:node-role", Value: i.role },
      { Key: "aws:autoscaling:groupName", Value: `gpufleet-big-g0-${i.role}-abc123` },
    ],
  }));
  sb.stubFile("instances.json", JSON.stringify(json));
}

const sandboxes: Sandbox[] = [];
let server: Server | undefined;
afterEach(() => {
  for (const sb of sandboxes.splice(0)) sb.cleanup();
  server?.close();
  server = undefined;
});

beforeAll(() => {
  requireTool("python3");
  requireTool("shellcheck");
});

/** A host of the group: the pool rendered into a sandbox, with the EC2 and IMDS stubs, as instance `id`. */
async function host(id: string, rendezvousPort?: number, pool: PoolPlan = POOL): Promise<Sandbox> {
  const sb = await createSandbox(pool, CONTEXT);
  sandboxes.push(sb);
  const bin = join(sb.stubDir, "..", "multinode-stubs");
  mkdirSync(bin, { recursive: true });
  for (const [name, body] of [
    ["aws", AWS_STUB],
    ["curl", CURL_STUB],
  ] as const) {
    writeFileSync(join(bin, name), body);
    chmodSync(join(bin, name), 0o755);
  }
  sb.env.PATH = `${bin}:${sb.env.PATH}`;
  sb.env.GPUFLEET_MN_POLL_SECONDS = "1";
  sb.stubFile("instance-id", `${id}\n`);
  if (rendezvousPort !== undefined) {
    // The leader's rendezvous port as this test's listener opens it (the plan's 29501 is not ours).
    const env = join(sb.root, "etc/gpufleet/multinode.env");
    const text = sb
      .read("etc/gpufleet/multinode.env")
      .replace(/^GPUFLEET_MN_PORT=.*$/m, `GPUFLEET_MN_PORT=${rendezvousPort}`);
    writeFileSync(env, text);
  }
  return sb;
}

/** The replica unit's ExecStart, as the unit file has it, run by bash under the sandbox's root. */
function execStart(sb: Sandbox, unitName = UNIT): string {
  const unit = sb.read(`etc/systemd/system/${unitName}.service`);
  const line = unit.split("\n").find((l) => l.startsWith("ExecStart="))!;
  expect(line).toContain(" /usr/bin/docker run ");
  return (
    line
      .slice("ExecStart=".length)
      .replace("/opt/gpufleet/bin/", `${sb.root}/opt/gpufleet/bin/`)
      // The stub docker on PATH, never the machine's own.
      .replace(" /usr/bin/docker run ", " docker run ")
      .replace("${GPUFLEET_MEMORY_FRACTION}", "0.92")
  );
}

/** Output of the engine starts under way, by sandbox root: what they printed so far. */
const liveOutput = new Map<string, string>();

function startEngine(
  sb: Sandbox,
  unitName = UNIT,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", execStart(sb, unitName)], { env: sb.env });
    let stderr = "";
    const add = (d: Buffer) => {
      stderr += d.toString();
      liveOutput.set(sb.root, stderr);
    };
    child.stdout.on("data", add);
    child.stderr.on("data", add);
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

const printed = (sb: Sandbox): string => liveOutput.get(sb.root) ?? "";

const dockerRun = (sb: Sandbox): string | undefined =>
  sb.calls().find((c) => c.startsWith("docker run --rm --name gpufleet-vllm-8000"));

/** Resolves once `cond` holds (polled every 100 ms); the test's own timeout bounds it. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 100));
}

async function listen(): Promise<number> {
  server = createServer((s) => s.end());
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

const LEADER: Instance = {
  id: "i-0f1e2d3c4b5a69788",
  role: "leader",
  ip: "127.0.0.1",
  launched: "2026-12-01T06:10:00+00:00",
};
const WORKER: Instance = {
  id: "i-0a1b2c3d4e5f60718",
  role: "worker",
  ip: "10.0.1.23",
  launched: "2026-12-01T06:09:00+00:00",
};

describe("a two-node group's hosts", () => {
  it("renders the rank discovery, EFA into the container, and the unit starting through it", async () => {
    const sb = await host(LEADER.id);
    const unit = sb.read(`etc/systemd/system/${UNIT}.service`);
    expect(unit).toMatch(
      /^ExecStart=\/opt\/gpufleet\/bin\/gpufleet-multinode exec \/usr\/bin\/docker run --rm --name gpufleet-vllm-8000 /m,
    );
    expect(unit).toContain(
      " --device /dev/infiniband/uverbs0 --ulimit memlock=-1:-1 -v /opt/amazon:/opt/amazon:ro ",
    );
    expect(unit).toContain(" -e FI_PROVIDER=efa ");
    expect(unit).toContain(
      " --pipeline-parallel-size 2 --distributed-executor-backend mp --nnodes 2",
    );
    const env = sb.read("etc/gpufleet/multinode.env");
    expect(env).toContain("GPUFLEET_MN_NODES=2\n");
    expect(env).toContain("GPUFLEET_MN_PORT=29501\n");
    expect(env).toContain("GPUFLEET_MN_WORKER_FLAGS=--headless\n");
    const sc = run("shellcheck", [
      "-x",
      join(sb.root, "opt/gpufleet/bin/gpufleet-multinode"),
      join(sb.root, "etc/gpufleet/multinode.env"),
    ]);
    expect(sc.status, describeRun("shellcheck", sc)).toBe(0);
  });

  it("gives each node its rank and the leader's address; workers are ranked after the leader, headless", async () => {
    const port = await listen();
    const leader = await host(LEADER.id, port);
    const worker = await host(WORKER.id, port);
    const second: Instance = {
      id: "i-00000000000000001",
      role: "worker",
      ip: "10.0.1.24",
      launched: "2026-12-01T06:09:30+00:00",
    };
    // discover: ranks from the tags, workers by launch time (the leader launched last is still rank 0).
    for (const sb of [leader, worker]) setInstances(sb, [WORKER, LEADER]);
    const seen = run(
      "bash",
      [join(worker.root, "opt/gpufleet/bin/gpufleet-multinode"), "discover"],
      {
        env: worker.env,
      },
    );
    expect(seen.status, describeRun("discover", seen)).toBe(0);
    expect(seen.stdout.trim()).toBe(`1 127.0.0.1 ${GROUP} ${LEADER.id} ${WORKER.id}`);
    // A third member is one too many for nodes 2: not whole.
    setInstances(worker, [WORKER, LEADER, second]);
    const crowded = run(
      "bash",
      [join(worker.root, "opt/gpufleet/bin/gpufleet-multinode"), "discover"],
      {
        env: worker.env,
      },
    );
    expect(crowded.status).toBe(1);
    expect(crowded.stderr).toContain(`group ${GROUP} has 2 worker instance(s) of 1`);
    setInstances(worker, [WORKER, LEADER]);

    const [l, w] = await Promise.all([startEngine(leader), startEngine(worker)]);
    expect(l.status, l.stderr).toBe(0);
    expect(w.status, w.stderr).toBe(0);
    const leaderRun = dockerRun(leader)!;
    const workerRun = dockerRun(worker)!;
    expect(leaderRun).toMatch(
      new RegExp(` --nnodes 2 --node-rank 0 --master-addr 127\\.0\\.0\\.1 --master-port ${port}$`),
    );
    expect(workerRun).toMatch(
      new RegExp(
        ` --nnodes 2 --node-rank 1 --master-addr 127\\.0\\.0\\.1 --master-port ${port} --headless$`,
      ),
    );
    // The same engine command otherwise, memory fraction included.
    expect(workerRun.replace(/ --node-rank .*$/, "")).toBe(
      leaderRun.replace(/ --node-rank .*$/, ""),
    );
    expect(leaderRun).toContain(" --gpu-memory-utilization 0.92 ");
    expect(worker.read("var/lib/gpufleet/multinode.env")).toBe(
      `GPUFLEET_NODE_RANK=1\nGPUFLEET_LEADER_ADDR=127.0.0.1\nGPUFLEET_GROUP=${GROUP}\nGPUFLEET_MEMBERS="${LEADER.id} ${WORKER.id}"\n`,
    );
    // Only DescribeInstances, scoped to this instance and to its group's tag.
    const awsCalls = worker.calls().filter((c) => c.startsWith("aws "));
    expect(
      awsCalls.every((c) => c.startsWith("aws ec2 describe-instances --region us-east-1")),
    ).toBe(true);
    expect(awsCalls.some((c) => c.includes(`Name=tag:gpufleet:group,Values=${GROUP}`))).toBe(true);
  });

  it("waits for every rank before starting the engine, and a worker for the leader's port", async () => {
    const port = await listen();
    const leader = await host(LEADER.id, port);
    setInstances(leader, [LEADER]);
    const started = startEngine(leader);
    // Once it has looked at its group (incomplete), no engine may have started.
    await until(() => printed(leader).includes("waiting for the group"));
    expect(dockerRun(leader)).toBeUndefined();
    setInstances(leader, [LEADER, WORKER]);
    const l = await started;
    expect(l.status, l.stderr).toBe(0);
    expect(l.stderr).toContain(
      `waiting for the group: group ${GROUP} has 0 worker instance(s) of 1`,
    );
    expect(dockerRun(leader)).toMatch(/ --node-rank 0 /);

    // A worker whose leader has not opened its port yet waits, then starts once it does.
    server!.close();
    await new Promise((r) => setTimeout(r, 200));
    const worker = await host(WORKER.id, port);
    setInstances(worker, [LEADER, WORKER]);
    const w = startEngine(worker);
    // Its ranks are recorded before it waits for the leader's port: from then on it waits.
    await until(() => printed(worker).includes("waiting for the leader"));
    expect(dockerRun(worker)).toBeUndefined();
    server = createServer((s) => s.end());
    await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
    const done = await w;
    expect(done.status, done.stderr).toBe(0);
    expect(done.stderr).toContain(`waiting for the leader 127.0.0.1 to open port ${port}`);
    expect(dockerRun(worker)).toMatch(/ --node-rank 1 .* --headless$/);
  });

  it("SGLang's group: the leader as --dist-init-addr host:port, no --headless", async () => {
    const sglang = planFleetMultiNode(
      {
        stack: CONTEXT.stack,
        pools: [{ ...POOL_SPEC, engine: "sglang" }],
        models: BIG_MODELS,
      },
      planElasticFleet,
      true,
    ).pools[0]!;
    const port = await listen();
    const worker = await host(WORKER.id, port, sglang);
    setInstances(worker, [LEADER, WORKER]);
    const env = worker.read("etc/gpufleet/multinode.env");
    expect(env).toContain("GPUFLEET_MN_ADDR_FLAG=--dist-init-addr\n");
    expect(env).toContain("GPUFLEET_MN_PORT_FLAG=''\n");
    const w = await startEngine(worker, "gpufleet-sglang-8000");
    expect(w.status, w.stderr).toBe(0);
    const call = worker
      .calls()
      .find((c) => c.startsWith("docker run --rm --name gpufleet-sglang-8000"));
    expect(call).toMatch(
      new RegExp(` --pp-size 2 --nnodes 2 --node-rank 1 --dist-init-addr 127\\.0\\.0\\.1:${port}$`),
    );
  });

  it("refuses to start on an instance outside any group, naming the tags", async () => {
    const sb = await host("i-0123456789abcdef0");
    setInstances(sb, [{ ...LEADER, id: "i-0123456789abcdef0", group: "-" }]);
    writeFileSync(
      join(sb.stubDir, "instances.json"),
      JSON.stringify([
        {
          InstanceId: "i-0123456789abcdef0",
          State: { Name: "running" },
          PrivateIpAddress: "10.0.0.9",
          Tags: [],
        },
      ]),
    );
    const r = await startEngine(sb);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /FATAL: instance i-0123456789abcdef0 has no gpufleet:group \/ gpufleet:node-role tags/,
    );
    expect(dockerRun(sb)).toBeUndefined();
  });

  it("restarts the engine when a member is replaced, not while the group is unchanged; the worker's watchdog probes no HTTP", async () => {
    const port = await listen();
    const worker = await host(WORKER.id, port);
    setInstances(worker, [LEADER, WORKER]);
    const started = await startEngine(worker);
    expect(started.status, started.stderr).toBe(0);
    // The real bootstrap on eight H100 (81559 MiB as nvidia-smi reports them): key, cache, GPUs.
    worker.setGpus(
      Array.from({ length: 8 }, (_, i) => `${i}, NVIDIA H100 80GB HBM3, 81559, 81000`),
    );
    const boot = worker.runScript("gpufleet-bootstrap");
    expect(boot.status, describeRun("gpufleet-bootstrap", boot)).toBe(0);
    const mn = join(worker.root, "opt/gpufleet/bin/gpufleet-multinode");

    const same = run("bash", [mn, "check"], { env: worker.env });
    expect(same.status, describeRun("check", same)).toBe(0);
    expect(worker.calls().filter((c) => c.startsWith("systemctl restart"))).toEqual([]);

    const watchdog = worker.runScript("gpufleet-watchdog");
    expect(watchdog.status, describeRun("watchdog", watchdog)).toBe(0);
    expect(watchdog.stdout).toContain(
      `${UNIT}: worker rank 1 of a multi-node group (no HTTP): unit active`,
    );
    expect(worker.calls().some((c) => c.startsWith("curl") && c.includes(":8000/"))).toBe(false);

    // The leader was replaced by a new instance at a new address.
    const newLeader = { ...LEADER, id: "i-0ccccccccccccccc1", ip: "10.0.2.40" };
    setInstances(worker, [newLeader, WORKER]);
    const changed = run("bash", [mn, "check"], { env: worker.env });
    expect(changed.status, describeRun("check", changed)).toBe(0);
    expect(changed.stdout).toContain(`leader 127.0.0.1 -> 10.0.2.40`);
    expect(worker.calls().filter((c) => c.startsWith("systemctl restart"))).toEqual([
      `systemctl restart --no-block ${UNIT}.service`,
    ]);
    expect(worker.exists("var/lib/gpufleet/multinode.env")).toBe(false);
  });
  it("Prometheus scrapes only the leader's engine of a group (workers serve no HTTP); promtool accepts it", () => {
    requireTool("promtool");
    const { plan } = planStackConfig("dev", STACK);
    const text = renderPrometheusConfig(plan, resolveMonitoringContext(MONITORING_CONTEXT));
    const jobs = (
      parse(text) as { scrape_configs: Array<{ job_name: string; relabel_configs?: unknown[] }> }
    ).scrape_configs;
    const drop = {
      source_labels: ["__meta_ec2_tag_gpufleet_node_role"],
      regex: "worker",
      action: "drop",
    };
    for (const job of jobs.filter((j) => j.job_name.startsWith("engine-"))) {
      if (/^engine-(big|tcp)-/.test(job.job_name)) expect(job.relabel_configs).toContainEqual(drop);
      else expect(job.relabel_configs).not.toContainEqual(drop);
    }
    expect(jobs.some((j) => j.job_name.startsWith("engine-big-"))).toBe(true);
    const dir = tempDir("prom-multinode");
    writeFileSync(join(dir, "prometheus.yml"), text);
    const r = run("promtool", ["check", "config", "--syntax-only", join(dir, "prometheus.yml")]);
    expect(r.status, describeRun("promtool", r)).toBe(0);
  });
});
