// Grafana provisioning: the Prometheus datasource, the dashboards provider, and the server settings
// (as GF_*
// environment variables: root URL matching the load balancer rule, anonymous access off, the admin
// password from a
// file the boot script writes from SSM).
import { stringify } from "yaml";
import { MONITORING_PORTS, SECRET_FILES, type ResolvedMonitoringContext } from "./context";

/** uid of the provisioned datasource; every dashboard panel names it. */
export const DATASOURCE_UID = "gpufleet-prometheus";

/** Paths inside the Grafana container. */
export const GRAFANA_PATHS = {
  provisioning: "/etc/grafana/provisioning",
  dashboards: "/var/lib/grafana-dashboards",
  /** The admin password file (mounted read-only from the host's secrets directory). */
  adminPassword: `/run/gpufleet-secrets/${SECRET_FILES.grafanaAdminPassword}`,
} as const;

/** The datasource; Prometheus at `prometheusUrl` (default the same host's, as on EC2). */
export function renderGrafanaDatasources(
  prometheusUrl = `http://localhost:${MONITORING_PORTS.prometheus}`,
): string {
  return stringify(
    {
      apiVersion: 1,
      datasources: [
        {
          name: "Prometheus",
          uid: DATASOURCE_UID,
          type: "prometheus",
          access: "proxy",
          url: prometheusUrl,
          isDefault: true,
          editable: false,
          jsonData: { httpMethod: "POST", timeInterval: "15s" },
        },
      ],
    },
    { lineWidth: 0 },
  );
}

export function renderGrafanaDashboardProvider(): string {
  return stringify(
    {
      apiVersion: 1,
      providers: [
        {
          name: "gpufleet",
          folder: "gpufleet",
          type: "file",
          // Dashboards are code: edits in the UI are refused, the next deployment would overwrite
          // them anyway.
          allowUiUpdates: false,
          disableDeletion: true,
          updateIntervalSeconds: 60,
          options: { path: GRAFANA_PATHS.dashboards, foldersFromFilesStructure: false },
        },
      ],
    },
    { lineWidth: 0 },
  );
}

/**
 * Grafana's settings as environment variables (GF_<SECTION>_<KEY>), sorted. No secret among them.
 */
export function grafanaEnvironment(ctx: ResolvedMonitoringContext): Record<string, string> {
  const env: Record<string, string> = {
    GF_SERVER_HTTP_PORT: String(MONITORING_PORTS.grafana),
    GF_SERVER_ROOT_URL: ctx.grafanaRootUrl,
    // A path rule (`/grafana/*`) forwards the path unchanged: Grafana must serve under it.
    GF_SERVER_SERVE_FROM_SUB_PATH: ctx.grafanaSubPath === "" ? "false" : "true",
    GF_SECURITY_ADMIN_USER: "admin",
    // Grafana reads any GF_* variable ending in __FILE from that file: the password never enters
    // the environment.
    GF_SECURITY_ADMIN_PASSWORD__FILE: GRAFANA_PATHS.adminPassword,
    GF_SECURITY_DISABLE_GRAVATAR: "true",
    GF_SECURITY_COOKIE_SECURE: ctx.grafanaRootUrl.startsWith("https:") ? "true" : "false",
    GF_AUTH_ANONYMOUS_ENABLED: "false",
    GF_AUTH_DISABLE_LOGIN_FORM: "false",
    GF_USERS_ALLOW_SIGN_UP: "false",
    GF_ANALYTICS_REPORTING_ENABLED: "false",
    GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
    GF_PATHS_PROVISIONING: GRAFANA_PATHS.provisioning,
    GF_METRICS_ENABLED: "true",
  };
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)));
}
