import type { ResolvedContext } from "./context";
import { HOST_PATHS } from "./layout";
import type { ResolvedReplica } from "./replicas";

/**
 * Where nginx keeps its runtime files; the defaults are those of the nginx image the proxy unit
 * runs.
 */
export interface NginxPaths {
  /** Default /var/run/nginx.pid. */
  pidFile: string;
  /** Directory of the proxy/body temp files; default /var/cache/nginx. */
  tempDir: string;
  /** Default "stderr" (nginx's own keyword; journald through the unit). */
  errorLog: string;
  /** Default /dev/stdout (journald through the unit). */
  accessLog: string;
  /**
   * The root-only file gpufleet-bootstrap writes with the API key check; default
   * /etc/gpufleet/secrets/nginx-auth.conf.
   */
  authInclude: string;
  /**
   * While this file exists /health answers 503: gpufleet-watchdog writes it when it gave up on a
   * replica, so the load balancer marks the host unhealthy and the ASG replaces it; default
   * /var/lib/gpufleet/health/unhealthy.
   */
  unhealthyFile: string;
  /**
   * Drain switch: while this file exists (gpufleet-drain creates it on a spot notice or scale-in),
   * /health and new /v1 requests get 503 and streams already proxied run on; default
   * /var/lib/gpufleet/drain/draining.
   */
  drainFlag: string;
  /**
   * Address of a replica as nginx reaches it; default 127.0.0.1:<port> (host networking on EC2).
   * The Docker target gives `<container>:<port>` on the host's docker network.
   */
  upstream?: (replica: ResolvedReplica) => string;
}

export const DEFAULT_NGINX_PATHS: NginxPaths = {
  pidFile: "/var/run/nginx.pid",
  tempDir: "/var/cache/nginx",
  errorLog: "stderr",
  accessLog: "/dev/stdout",
  authInclude: `${HOST_PATHS.secrets}/nginx-auth.conf`,
  unhealthyFile: `${HOST_PATHS.state}/health/unhealthy`,
  drainFlag: `${HOST_PATHS.state}/drain/draining`,
};

/**
 * What an engine API key may be (config and boot script alike): Bearer-token characters, 8 to 256
 * of them. 256 keeps the header far below nginx's 8 KiB header-line buffer
 * (large_client_header_buffers); the generated key has 48.
 */
export const API_KEY_PATTERN = /^[A-Za-z0-9._~+/=-]{8,256}$/;

/**
 * The proxy's key check, the file gpufleet-bootstrap writes at boot (and a target that knows the
 * key renders itself). A regular expression, not a map string: nginx compares map strings
 * case-insensitively and hashes them into buckets of map_hash_bucket_size (64 bytes by default),
 * so a 48-character key made `nginx -t` fail; a regex is case-sensitive and takes no bucket.
 * `.` and `+`, the only key characters special to PCRE, become the classes `[.]` and `[+]`.
 * gpufleet-bootstrap.sh writes the same text byte for byte (a test compares them).
 */
export function renderNginxAuthCheck(key: string): string {
  if (!API_KEY_PATTERN.test(key)) {
    throw new Error(
      "engine API key must be 8 to 256 characters of A-Z a-z 0-9 . _ ~ + / = - (a Bearer token)",
    );
  }
  const pattern = key.replace(/[.+]/g, "[$&]");
  return (
    "# Written at boot by gpufleet-bootstrap from SSM; root only. A case-sensitive regex: map strings\n" +
    "# match case-insensitively and need a hash bucket as long as the key.\n" +
    "map $http_authorization $gpufleet_authorized {\n" +
    "    default 0;\n" +
    `    "~^Bearer ${pattern}$" 1;\n` +
    "}\n"
  );
}

/**
 * Seconds nginx waits between two reads from a replica: twice the slowest replica's longest
 * possible answer
 * (maxModelLen tokens at its single-stream decode rate), between 10 minutes and 2 hours.
 */
export function readTimeoutSeconds(replicas: ResolvedReplica[]): number {
  const longest = Math.max(
    ...replicas.map(
      ({ plan }) => plan.maxModelLen / Math.max(1, plan.estimates.decodeTokensPerSecond),
    ),
  );
  return Math.min(7200, Math.max(600, Math.ceil((2 * longest) / 60) * 60));
}

/**
 * A complete nginx.conf for the on-host proxy (the gpufleet-proxy container mounts it as
 * /etc/nginx/nginx.conf).
 */
export function renderNginxConf(
  replicas: ResolvedReplica[],
  ctx: ResolvedContext,
  paths: Partial<NginxPaths> = {},
): string {
  const p = { ...DEFAULT_NGINX_PATHS, ...paths };
  const healthPaths = [...new Set(replicas.map((r) => r.plan.healthPath))];
  if (healthPaths.length !== 1) {
    throw new Error(
      `cloud-init render of pool ${ctx.pool}: replicas answer health on different paths (${healthPaths.join(", ")})`,
    );
  }
  const readTimeout = readTimeoutSeconds(replicas);
  const servers = replicas
    .map(
      (r) =>
        `        server ${p.upstream ? p.upstream(r) : `127.0.0.1:${r.plan.port}`} max_fails=3 fail_timeout=30s;  # ${r.name}`,
    )
    .join("\n");
  return `# gpufleet on-host proxy for pool ${ctx.pool} (stack ${ctx.stack}): the load balancer's only target.
# Rendered by gpufleet; the API key check is in ${p.authInclude}, written at boot from SSM.
worker_processes auto;
pid ${p.pidFile};
error_log ${p.errorLog} warn;

events {
    worker_connections 4096;
}

http {
    default_type application/json;
    server_tokens off;
    client_body_temp_path ${p.tempDir}/client_temp;
    proxy_temp_path ${p.tempDir}/proxy_temp;
    fastcgi_temp_path ${p.tempDir}/fastcgi_temp;
    uwsgi_temp_path ${p.tempDir}/uwsgi_temp;
    scgi_temp_path ${p.tempDir}/scgi_temp;
    log_format gpufleet '$remote_addr "$request" $status $body_bytes_sent $request_time '
                        'upstream=$upstream_addr upstream_status=$upstream_status';
    access_log ${p.accessLog} gpufleet;

    # map $http_authorization $gpufleet_authorized { default 0; "~^Bearer <key>$" 1; } (renderNginxAuthCheck)
    include ${p.authInclude};

    upstream gpufleet_replicas {
        least_conn;
${servers}
        keepalive 64;
    }

    server {
        listen ${ctx.proxyPort};
        client_max_body_size 64m;

        # 200 as soon as one replica answers its health path; a refused, failed or 5xx replica is skipped.
        location = /health {
            access_log off;
            # The watchdog gave up on a replica of this host: have it replaced.
            if (-f ${p.unhealthyFile}) {
                return 503 '{"error":{"message":"a replica failed for good; this host is to be replaced","code":503}}\\n';
            }
            # Draining: the load balancer takes this host out of service.
            if (-f ${p.drainFlag}) {
                return 503 '{"status":"draining"}\\n';
            }
            proxy_pass http://gpufleet_replicas${healthPaths[0]};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 2s;
            proxy_read_timeout 5s;
            proxy_next_upstream error timeout http_500 http_502 http_503 http_504;
        }

        location /v1/ {
            if (-f ${p.drainFlag}) {
                return 503 '{"error":{"message":"this host is draining; retry","type":"unavailable","code":503}}\\n';
            }
            # Every engine gets the same check here, Ollama included (it has no key of its own). The client's
            # Authorization header is the engine key and goes upstream unchanged, for engines that check it too.
            if ($gpufleet_authorized = 0) {
                return 401 '{"error":{"message":"missing or invalid API key","type":"invalid_request_error","code":401}}\\n';
            }
            proxy_pass http://gpufleet_replicas;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # Server-sent events stream token by token.
            proxy_buffering off;
            proxy_cache off;
            proxy_request_buffering off;
            proxy_connect_timeout 5s;
            proxy_send_timeout ${readTimeout}s;
            proxy_read_timeout ${readTimeout}s;
            # A replica that refuses the connection is skipped; a request already sent is never replayed.
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries ${Math.max(2, Math.min(replicas.length, 4))};
        }

        location / {
            return 404 '{"error":{"message":"not found","code":404}}\\n';
        }
    }
}
`;
}
