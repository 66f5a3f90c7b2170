// The metric names the engines and exporters really export in the pinned versions
// (planner/engines.ts,
// cloud-init/context.ts DEFAULT_HELPER_IMAGES), with where each list was read. Dashboards and alert
// rules may only
// name metrics from here (test/monitoring/dashboards.test.ts parses every query and checks it), so
// a renamed metric
// is caught when a pin moves, not when a panel goes blank in production.
//
// Names are the exposition names: a prometheus_client Counter("x:y") is exposed as `x:y_total`, a
// Histogram("h") as
// `h_bucket`, `h_sum` and `h_count` (listed here under the base name; `isExported` accepts the
// suffixes).
import type { EngineId } from "../planner/types";

export type MetricType = "counter" | "gauge" | "histogram" | "info";

export interface MetricSource {
  /** Who exports the metrics. */
  exporter: string;
  /** Version the names were checked against, and how close that is to the pin. */
  version: string;
  /** Files / pages the names were read from. */
  sources: string[];
  metrics: Record<string, MetricType>;
}

export const METRIC_SOURCES = {
  vllm: {
    exporter: "vLLM OpenAI server (/metrics), pinned v0.31.0",
    version:
      "vllm/v1/metrics/loggers.py PrometheusStatLogger of the V1 engine (labels model_name, engine); the names below " +
      "are unchanged from the 0.12 line through the v0.32.0 docs page, which brackets the v0.31.0 pin",
    sources: [
      "https://github.com/vllm-project/vllm/blob/main/vllm/v1/metrics/loggers.py (PrometheusStatLogger.__init__)",
      "https://docs.vllm.ai/en/v0.32.0/usage/metrics/ (General Metrics table)",
      // kv_cache_usage_perc replaced gpu_cache_usage_perc (deprecated, then hidden, then removed);
      // the V0 names
      // below must NOT be used with the pin.
      "vllm-project/vllm#24110 (2025-09, 'Deprecate TPOT in favor of ITL'): time_per_output_token_seconds → inter_token_latency_seconds",
    ],
    metrics: {
      "vllm:num_requests_running": "gauge",
      "vllm:num_requests_waiting": "gauge",
      "vllm:kv_cache_usage_perc": "gauge",
      "vllm:engine_sleep_state": "gauge",
      "vllm:prefix_cache_queries_total": "counter",
      "vllm:prefix_cache_hits_total": "counter",
      "vllm:num_preemptions_total": "counter",
      "vllm:prompt_tokens_total": "counter",
      "vllm:generation_tokens_total": "counter",
      "vllm:request_success_total": "counter",
      "vllm:request_prompt_tokens": "histogram",
      "vllm:request_generation_tokens": "histogram",
      "vllm:iteration_tokens_total": "histogram",
      "vllm:time_to_first_token_seconds": "histogram",
      "vllm:inter_token_latency_seconds": "histogram",
      "vllm:request_time_per_output_token_seconds": "histogram",
      "vllm:e2e_request_latency_seconds": "histogram",
      "vllm:request_queue_time_seconds": "histogram",
      "vllm:request_inference_time_seconds": "histogram",
      "vllm:request_prefill_time_seconds": "histogram",
      "vllm:request_decode_time_seconds": "histogram",
    },
  },
  sglang: {
    exporter: "SGLang server with --enable-metrics (/metrics), pinned v0.5.21",
    version:
      "python/sglang/srt/metrics/collector.py SchedulerMetricsCollector + TokenizerMetricsCollector (2026 main, " +
      "commit 93d04878); labels model_name (+ tp_rank / dp_rank where set)",
    sources: [
      "https://github.com/sgl-project/sglang/blob/93d04878cfb9b08645fae7b11bd340ee33b34acf/python/sglang/srt/metrics/collector.py",
    ],
    metrics: {
      "sglang:num_running_reqs": "gauge",
      "sglang:num_used_tokens": "gauge",
      // Share of the KV pool in use (0–1): SGLang's counterpart of vllm:kv_cache_usage_perc.
      "sglang:token_usage": "gauge",
      "sglang:gen_throughput": "gauge",
      "sglang:num_queue_reqs": "gauge",
      "sglang:cache_hit_rate": "gauge",
      "sglang:num_retracted_reqs": "gauge",
      "sglang:utilization": "gauge",
      "sglang:queue_time_seconds": "histogram",
      "sglang:prompt_tokens_total": "counter",
      "sglang:generation_tokens_total": "counter",
      "sglang:cached_tokens_total": "counter",
      "sglang:num_requests_total": "counter",
      "sglang:num_aborted_requests_total": "counter",
      "sglang:time_to_first_token_seconds": "histogram",
      "sglang:inter_token_latency_seconds": "histogram",
      "sglang:e2e_request_latency_seconds": "histogram",
    },
  },
  lmdeploy: {
    exporter: "lmdeploy api_server (/metrics; enable_metrics defaults to true), pinned v0.17.0",
    version:
      "lmdeploy/metrics/loggers.py PrometheusStatLogger at v0.16.0 (InternLM/lmdeploy 1263d5cd, 2026-08-21; the " +
      "newest tree that could be read; 0.17.0's could not) — labels model_name, engine",
    sources: [
      "https://github.com/InternLM/lmdeploy/blob/1263d5cd889b7ad500e85b8eb20401327a4516ab/lmdeploy/metrics/loggers.py",
    ],
    metrics: {
      "lmdeploy:num_requests_running": "gauge",
      "lmdeploy:num_requests_waiting": "gauge",
      "lmdeploy:num_api_requests_routed": "gauge",
      "lmdeploy:num_api_requests_waiting": "gauge",
      "lmdeploy:gpu_cache_usage_perc": "gauge",
      "lmdeploy:prefix_cache_hit_rate": "gauge",
      "lmdeploy:prompt_tokens_total": "counter",
      "lmdeploy:generation_tokens_total": "counter",
      "lmdeploy:request_success_total": "counter",
      "lmdeploy:iteration_tokens_total": "histogram",
      "lmdeploy:time_to_first_token_seconds": "histogram",
      "lmdeploy:time_per_output_token_seconds": "histogram",
      "lmdeploy:iter_token_latency": "histogram",
      "lmdeploy:e2e_request_latency_seconds": "histogram",
      "lmdeploy:request_queue_time_seconds": "histogram",
      "lmdeploy:request_prefill_time_seconds": "histogram",
      "lmdeploy:request_decode_time_seconds": "histogram",
    },
  },
  llamacpp: {
    exporter: "llama.cpp llama-server with --metrics (/metrics; needs the API key), pinned b11459",
    version:
      "tools/server/server-task.cpp server_task_result_metrics (2026 master, commit 17f5f8a8): unlabelled series; " +
      "the KV-cache gauges kv_cache_usage_ratio / kv_cache_tokens of older builds are gone, so no KV panel/alert",
    sources: [
      "https://github.com/ggml-org/llama.cpp/blob/17f5f8a80d8ac9c18c23ecb2321640daeec77096/tools/server/server-task.cpp",
    ],
    metrics: {
      "llamacpp:prompt_tokens_total": "counter",
      "llamacpp:prompt_tokens_cached_total": "counter",
      "llamacpp:prompt_seconds_total": "counter",
      "llamacpp:tokens_predicted_total": "counter",
      "llamacpp:tokens_predicted_seconds_total": "counter",
      "llamacpp:n_decode_total": "counter",
      "llamacpp:n_tokens_max": "counter",
      "llamacpp:prompt_tokens_seconds": "gauge",
      "llamacpp:predicted_tokens_seconds": "gauge",
      "llamacpp:requests_processing": "gauge",
      "llamacpp:requests_deferred": "gauge",
      "llamacpp:n_busy_slots_per_decode": "gauge",
    },
  },
  dcgm: {
    exporter: "NVIDIA dcgm-exporter 4.4.2-4.7.1 (default counters), :9400",
    version:
      "etc/default-counters.csv at tag 4.4.2-4.7.1 (labels gpu, UUID, device, modelName, Hostname)",
    sources: ["https://github.com/NVIDIA/dcgm-exporter/blob/4.4.2-4.7.1/etc/default-counters.csv"],
    metrics: {
      DCGM_FI_DEV_SM_CLOCK: "gauge",
      DCGM_FI_DEV_MEM_CLOCK: "gauge",
      DCGM_FI_DEV_MEMORY_TEMP: "gauge",
      DCGM_FI_DEV_GPU_TEMP: "gauge",
      DCGM_FI_DEV_POWER_USAGE: "gauge",
      DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION: "counter",
      DCGM_FI_DEV_PCIE_REPLAY_COUNTER: "counter",
      DCGM_FI_DEV_GPU_UTIL: "gauge",
      DCGM_FI_DEV_MEM_COPY_UTIL: "gauge",
      // "Value of the last XID error encountered": non-zero once an XID has happened (until the GPU
      // is reset).
      DCGM_FI_DEV_XID_ERRORS: "gauge",
      DCGM_FI_DEV_FB_FREE: "gauge",
      DCGM_FI_DEV_FB_USED: "gauge",
      DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS: "counter",
      DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS: "counter",
      DCGM_FI_DEV_ROW_REMAP_FAILURE: "gauge",
    },
  },
  node: {
    exporter: "Prometheus node_exporter v1.8.2, :9100",
    version: "default collectors of v1.8.x (filesystem, cpu, meminfo, stat, netdev)",
    sources: ["https://github.com/prometheus/node_exporter/tree/v1.8.2/collector"],
    metrics: {
      node_filesystem_avail_bytes: "gauge",
      node_filesystem_size_bytes: "gauge",
      node_boot_time_seconds: "gauge",
      node_cpu_seconds_total: "counter",
      node_memory_MemAvailable_bytes: "gauge",
      node_memory_MemTotal_bytes: "gauge",
      node_network_receive_bytes_total: "counter",
      node_network_transmit_bytes_total: "counter",
    },
  },
  prometheus: {
    exporter: "Prometheus itself: the synthetic series of every scrape",
    version:
      "https://prometheus.io/docs/concepts/jobs_instances/#automatically-generated-labels-and-time-series",
    sources: ["https://prometheus.io/docs/concepts/jobs_instances/"],
    metrics: { up: "gauge", scrape_duration_seconds: "gauge", scrape_samples_scraped: "gauge" },
  },
  gpufleet: {
    exporter:
      "this repo's recording rules (monitoring/rules.ts): per-engine names folded into one, and the plan's $/hour",
    version: "rendered from the plan",
    sources: ["monitoring/rules.ts"],
    metrics: {
      "gpufleet:replica_requests_running": "gauge",
      "gpufleet:replica_requests_waiting": "gauge",
      "gpufleet:replica_kv_cache_usage_ratio": "gauge",
      "gpufleet:replica_prompt_tokens:rate5m": "gauge",
      "gpufleet:replica_generation_tokens:rate5m": "gauge",
      "gpufleet:pool_instance_cost_dollars_per_hour": "gauge",
      "gpufleet:pool_planned_cost_dollars_per_hour": "gauge",
      "gpufleet:pool_instances": "gauge",
    },
  },
  kubeStateMetrics: {
    exporter: "kube-state-metrics (installed by kube-prometheus-stack; Kubernetes target only)",
    version:
      "v2, the subchart kube-prometheus-stack installs (kube_pod_start_time unchanged since v1)",
    sources: [
      "https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/pod-metrics.md (checked 2026-12-01)",
    ],
    metrics: { kube_pod_start_time: "gauge" },
  },
  kubelet: {
    exporter: "kubelet volume stats (scraped by kube-prometheus-stack; Kubernetes target only)",
    version: "every supported Kubernetes release (kubelet_volume_stats_* since 1.8)",
    sources: [
      "https://kubernetes.io/docs/reference/instrumentation/metrics/ (kubelet_volume_stats_*, checked 2026-12-01)",
    ],
    metrics: {
      kubelet_volume_stats_available_bytes: "gauge",
      kubelet_volume_stats_capacity_bytes: "gauge",
    },
  },
} as const satisfies Record<string, MetricSource>;

export type MetricSourceId = keyof typeof METRIC_SOURCES;

/** Every known base name. */
export const KNOWN_METRICS: ReadonlySet<string> = new Set(
  Object.values(METRIC_SOURCES).flatMap((s) => Object.keys(s.metrics)),
);

/** Whether `name` is an exported series: a known name, or a histogram's _bucket / _sum / _count. */
export function isExported(name: string): boolean {
  if (KNOWN_METRICS.has(name)) return true;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (!m) return false;
  const type = metricType(m[1]!);
  return type === "histogram";
}

export function metricType(name: string): MetricType | undefined {
  for (const source of Object.values(METRIC_SOURCES)) {
    const t = (source.metrics as Record<string, MetricType>)[name];
    if (t !== undefined) return t;
  }
  return undefined;
}

/**
 * One concept across engines: the name each engine exports it under, or null when it exports none.
 */
export interface EngineMetricNames {
  running: string | null;
  waiting: string | null;
  /** KV-cache usage as a ratio 0–1. */
  kvUsage: string | null;
  promptTokens: string | null;
  generationTokens: string | null;
  /** Histograms (base names). */
  ttft: string | null;
  interToken: string | null;
  e2e: string | null;
}

/**
 * Engines with metrics. Ollama 0.35.1 serves no Prometheus endpoint (planner/engines.ts
 * metricsPath: null).
 */
export const ENGINE_METRICS: Readonly<Record<EngineId, EngineMetricNames | null>> = {
  vllm: {
    running: "vllm:num_requests_running",
    waiting: "vllm:num_requests_waiting",
    kvUsage: "vllm:kv_cache_usage_perc",
    promptTokens: "vllm:prompt_tokens_total",
    generationTokens: "vllm:generation_tokens_total",
    ttft: "vllm:time_to_first_token_seconds",
    interToken: "vllm:inter_token_latency_seconds",
    e2e: "vllm:e2e_request_latency_seconds",
  },
  sglang: {
    running: "sglang:num_running_reqs",
    waiting: "sglang:num_queue_reqs",
    kvUsage: "sglang:token_usage",
    promptTokens: "sglang:prompt_tokens_total",
    generationTokens: "sglang:generation_tokens_total",
    ttft: "sglang:time_to_first_token_seconds",
    interToken: "sglang:inter_token_latency_seconds",
    e2e: "sglang:e2e_request_latency_seconds",
  },
  lmdeploy: {
    running: "lmdeploy:num_requests_running",
    waiting: "lmdeploy:num_requests_waiting",
    kvUsage: "lmdeploy:gpu_cache_usage_perc",
    promptTokens: "lmdeploy:prompt_tokens_total",
    generationTokens: "lmdeploy:generation_tokens_total",
    ttft: "lmdeploy:time_to_first_token_seconds",
    interToken: "lmdeploy:time_per_output_token_seconds",
    e2e: "lmdeploy:e2e_request_latency_seconds",
  },
  llamacpp: {
    running: "llamacpp:requests_processing",
    waiting: "llamacpp:requests_deferred",
    kvUsage: null,
    promptTokens: "llamacpp:prompt_tokens_total",
    generationTokens: "llamacpp:tokens_predicted_total",
    ttft: null,
    interToken: null,
    e2e: null,
  },
  ollama: null,
};

/** The per-engine names of one concept, engines without it left out. */
export function namesOf(concept: keyof EngineMetricNames): string[] {
  return Object.values(ENGINE_METRICS).flatMap((m) => (m && m[concept] ? [m[concept]!] : []));
}
