// `gpufleet render --format compose`: the docker target's deployment as a compose file per host,
// for people who do not use Pulumi. The same HostSpec as the Pulumi component (components/docker/
// spec.ts), so both run the same containers; secrets are files the user puts under secrets/.
import { readFileSync } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import {
  HEALTHCHECK,
  LOG_ROTATION,
  NO_NEW_PRIVILEGES,
  SECRET_FILES,
  STATE_DIR,
  WATCHDOG_DOCKERFILE,
  WATCHDOG_IMAGE,
  type ContainerSpec,
  type HostSpec,
  type SecretName,
} from "../components/docker/spec";
import { CONTAINER_MODEL_DIR } from "../cloud-init/layout";

/** Where the user puts each secret, relative to the compose file. */
export const COMPOSE_SECRET_FILES: Record<SecretName, string> = {
  apiKey: "secrets/api-key",
  hfToken: "secrets/hf-token",
  nginxAuth: "secrets/nginx-auth.conf",
  authHeader: "secrets/auth-header",
  engineApiKey: "secrets/api-key",
  grafanaAdminPassword: "secrets/grafana-admin-password",
  alertWebhookUrl: "secrets/alert-webhook-url",
  gatewayMasterKey: "secrets/litellm-master-key",
  gatewaySaltKey: "secrets/litellm-salt-key",
  postgresPassword: "secrets/postgres-password",
};

const SECRET_HELP: Record<SecretName, string> = {
  apiKey:
    "the engine API key every request carries, e.g. (umask 077; tr -dc A-Za-z0-9 </dev/urandom | head -c 48 > api-key)",
  hfToken: "your Hugging Face token (hf_…), for gated models: (umask 077; cat > hf-token)",
  nginxAuth:
    "the proxy's key check, from api-key (the same text gpufleet-bootstrap writes on EC2): (umask 077; printf 'map $http_authorization $gpufleet_authorized {\\n    default 0;\\n    \"~^Bearer %s$\" 1;\\n}\\n' \"$(sed 's/[.+]/[&]/g' api-key)\" > nginx-auth.conf)",
  authHeader:
    "the watchdog's request header, from api-key: (umask 077; printf 'Authorization: Bearer %s\\n' \"$(cat api-key)\" > auth-header)",
  engineApiKey: "the same api-key file (Prometheus sends it when scraping the engines)",
  grafanaAdminPassword:
    "Grafana's admin password (user admin): (umask 077; tr -dc A-Za-z0-9 </dev/urandom | head -c 32 > grafana-admin-password)",
  alertWebhookUrl:
    "the URL Alertmanager posts every alert to (a credential): (umask 077; cat > alert-webhook-url)",
  gatewayMasterKey:
    "LiteLLM's master key (admin API and UI; must start with sk-): (umask 077; printf 'sk-%s' \"$(tr -dc A-Za-z0-9 </dev/urandom | head -c 48)\" > litellm-master-key)",
  gatewaySaltKey:
    "LiteLLM's salt key (encrypts stored credentials; never change it once keys exist): (umask 077; tr -dc A-Za-z0-9 </dev/urandom | head -c 48 > litellm-salt-key)",
  postgresPassword:
    "PostgreSQL's password (letters and digits): (umask 077; tr -dc A-Za-z0-9 </dev/urandom | head -c 32 > postgres-password)",
};

/** Compose interpolates `$VAR` everywhere: a literal dollar is written `$$`. */
function literal(s: string): string {
  return s.replace(/\$/g, "$$$$");
}

function service(c: ContainerSpec, host: HostSpec): Record<string, unknown> {
  const volumes: string[] = [];
  if (c.modelCache !== null)
    volumes.push(`${host.volume}:${CONTAINER_MODEL_DIR}${c.modelCache === "ro" ? ":ro" : ""}`);
  for (const f of c.files) volumes.push(`./${configPath(c, f.path)}:${f.path}:ro`);
  for (const s of c.secrets) volumes.push(`./${COMPOSE_SECRET_FILES[s]}:${SECRET_FILES[s]}:ro`);
  if (c.stateDir !== null)
    volumes.push(`${host.stateVolume}:${STATE_DIR}${c.stateDir === "ro" ? ":ro" : ""}`);
  for (const m of c.hostMounts)
    volumes.push(`${m.hostPath}:${m.containerPath}${m.readOnly ? ":ro" : ""}`);
  if (c.data) volumes.push(`${c.data.volume}:${c.data.path}`);
  const out: Record<string, unknown> = {
    image: c.image,
    container_name: c.name,
  };
  if (c.user !== undefined) out.user = c.user;
  // Built on the host (the watchdog): the Dockerfile is written beside the compose file.
  if (c.image === WATCHDOG_IMAGE) out.build = { context: "./watchdog" };
  if (c.entrypoint) out.entrypoint = c.entrypoint.map(literal);
  if (c.command.length > 0) out.command = c.command.map(literal);
  if (Object.keys(c.env).length > 0)
    out.environment = Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, literal(v)]));
  if (volumes.length > 0) out.volumes = volumes;
  if (c.egressOnly) out.network_mode = "bridge";
  else out.networks = { [host.network]: { aliases: [c.name] } };
  if (c.ports.length > 0) out.ports = c.ports.map((p) => `${p.ip}:${p.external}:${p.internal}`);
  if (c.ipcHost) out.ipc = "host";
  if (c.pidHost) out.pid = "host";
  out.cap_drop = ["ALL"];
  if (c.capAdd.length > 0) out.cap_add = c.capAdd;
  out.security_opt = [...NO_NEW_PRIVILEGES];
  if (c.gpus !== null) {
    out.deploy = {
      resources: {
        reservations: {
          devices: [
            c.gpus === "all"
              ? { driver: "nvidia", count: "all", capabilities: ["gpu"] }
              : { driver: "nvidia", device_ids: c.gpus.map(String), capabilities: ["gpu"] },
          ],
        },
      },
    };
  }
  if (c.healthcheck) {
    out.healthcheck = {
      test: c.healthcheck.test.map(literal),
      interval: `${HEALTHCHECK.intervalSeconds}s`,
      timeout: `${HEALTHCHECK.timeoutSeconds}s`,
      retries: HEALTHCHECK.retries,
      start_period: `${c.healthcheck.startPeriodSeconds}s`,
    };
  }
  out.restart = c.restart;
  out.stop_grace_period = `${c.stopTimeoutSeconds}s`;
  out.logging = {
    driver: LOG_ROTATION.driver,
    options: { "max-size": LOG_ROTATION.maxSize, "max-file": LOG_ROTATION.maxFile },
  };
  out.labels = c.labels;
  if (c.dependsOn.length > 0) {
    const byName = new Map(host.containers.map((x) => [x.name, x]));
    out.depends_on = Object.fromEntries(
      c.dependsOn.map((d) => [
        d,
        {
          condition: byName.get(d)?.runToCompletion
            ? "service_completed_successfully"
            : "service_started",
        },
      ]),
    );
  }
  return out;
}

function configPath(c: ContainerSpec, path: string): string {
  return `config/${c.name}${path}`;
}

/** The compose document of one host. */
export function renderCompose(host: HostSpec): string {
  const doc = {
    services: Object.fromEntries(host.containers.map((c) => [c.name, service(c, host)])),
    networks: { [host.network]: { name: host.network, driver: "bridge" } },
    volumes: {
      [host.volume]: { name: host.volume },
      [host.stateVolume]: { name: host.stateVolume },
      ...Object.fromEntries(host.dataVolumes.map((v) => [v, { name: v }])),
    },
  };
  const header = [
    `# gpufleet: the docker target's containers on ${host.host}, rendered from the stack's plan.`,
    `# Put the secrets in ${[...new Set(host.containers.flatMap((c) => c.secrets.map((s) => COMPOSE_SECRET_FILES[s])))].join(", ")} (mode 0400), then:`,
    host.host.startsWith("ssh://")
      ? `#   DOCKER_HOST=${host.host} docker-compose up -d`
      : "#   docker-compose up -d",
    "",
  ].join("\n");
  // YAML 1.1 quoting: compose reads `restart: no` unquoted as a boolean.
  return header + stringify(doc, { lineWidth: 0, version: "1.1" });
}

/**
 * Writes `outDir/<host>/docker-compose.yml`, each container's plain files under `config/`, and an
 * empty `secrets/` (mode 0700) with a README. Returns the paths written.
 */
export async function writeCompose(hosts: HostSpec[], outDir: string): Promise<string[]> {
  const written: string[] = [];
  const put = async (path: string, content: string, mode: number): Promise<void> => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content, { mode });
    await chmod(path, mode);
    written.push(path);
  };
  for (const host of hosts) {
    const dir = join(outDir, host.key);
    await put(join(dir, "docker-compose.yml"), renderCompose(host), 0o644);
    if (host.containers.some((c) => c.image === WATCHDOG_IMAGE))
      await put(
        join(dir, "watchdog", "Dockerfile"),
        readFileSync(WATCHDOG_DOCKERFILE, "utf8"),
        0o644,
      );
    for (const c of host.containers)
      for (const f of c.files) await put(join(dir, configPath(c, f.path)), f.content, 0o644);
    const needed = [
      ...new Set(host.containers.flatMap((c) => c.secrets.map((s) => COMPOSE_SECRET_FILES[s]))),
    ].map((file) =>
      (Object.keys(COMPOSE_SECRET_FILES) as SecretName[]).find(
        (s) => COMPOSE_SECRET_FILES[s] === file,
      )!,
    );
    await mkdir(join(dir, "secrets"), { recursive: true, mode: 0o700 });
    await chmod(join(dir, "secrets"), 0o700);
    await put(
      join(dir, "secrets", "README"),
      [
        "Secrets of this host, one file each, readable by root only (never commit them):",
        ...needed.map(
          (s) => `  ${COMPOSE_SECRET_FILES[s].replace("secrets/", "")}: ${SECRET_HELP[s]}`,
        ),
        "",
      ].join("\n"),
      0o600,
    );
  }
  return written;
}
