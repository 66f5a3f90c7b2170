// Monitoring as code: pure renderers of Prometheus, Alertmanager and Grafana configuration and of
// the monitoring
// instance's cloud-config. No @pulumi imports (DESIGN.md): the CLI, the tests and
// components/aws/monitoring.ts call
// the same functions.
import type { FleetPlan } from "../planner/types";
import { renderConfigFiles } from "./cloud-config";
import { resolveMonitoringContext, type MonitoringContext } from "./context";

export * from "./context";
export * from "./metrics";
export { renderPrometheusConfig, scrapeConfigs, replicaLabels, RULE_FILE } from "./prometheus";
export {
  renderRules,
  ruleGroups,
  recordingRules,
  costRules,
  poolAlerts,
  fleetAlerts,
  poolPodRegex,
  MODEL_CACHE_CLAIM,
  type AlertRule,
  type RecordingRule,
  type RuleGroup,
} from "./rules";
export { renderAlertmanagerConfig, RECEIVER } from "./alertmanager";
export {
  renderGrafanaDatasources,
  renderGrafanaDashboardProvider,
  grafanaEnvironment,
  DATASOURCE_UID,
  GRAFANA_PATHS,
} from "./grafana";
export {
  buildDashboards,
  dashboardFiles,
  dashboardQueries,
  type RenderedDashboard,
} from "./dashboards";
export {
  renderMonitoringUserData,
  renderMonitoringHostFiles,
  renderMonitoringUnits,
  renderMonitoringBundle,
  renderConfigFiles,
  monitoringFilePaths,
  DATA_DEVICE,
  CONFIG_PREFIX,
  MANIFEST_FILE,
  SYNC_INTERVAL_MINUTES,
  type MonitoringHostContext,
  type MonitoringFile,
  type MonitoringObject,
  type MonitoringBundle,
  type RenderedMonitoringUserData,
} from "./cloud-config";

/**
 * The monitoring configuration of a plan as files relative to `DIR/monitoring/` (for `gpufleet
 * render`) and to the
 * bucket's `monitoring/` prefix: prometheus/prometheus.yml, prometheus/rules/gpufleet.rules.yml,
 * alertmanager/alertmanager.yml, grafana.env,
 * grafana/provisioning/{datasources,dashboards}/gpufleet.yml and
 * grafana/dashboards/*.json. No secrets: they are read from files the monitoring host writes at
 * boot from SSM.
 * renderMonitoringBundle adds the object keys and the manifest.
 */
export function renderMonitoringFiles(
  plan: FleetPlan,
  ctx: MonitoringContext,
): Array<{ path: string; content: string }> {
  return renderConfigFiles(plan, resolveMonitoringContext(ctx));
}
