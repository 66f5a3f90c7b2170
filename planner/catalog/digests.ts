// Registry digests of the pinned images: a tag can be moved to another build, a digest cannot, so
// every image whose digest could be confirmed runs as `name:tag@sha256:…` (Docker and containerd
// pull by the digest and keep the tag for people to read). No registry is reachable from where
// gpufleet is developed, so each digest below was read in public material that quotes it, with
// the date and kind of that material; an image left out had no digest quoted anywhere found
// (looked up 2026-12-01): openmmlab/lmdeploy:v0.17.0-cu12.8, vllm/vllm-openai:v0.31.0-cu129 (only
// its aarch64 build is quoted), nvcr.io/nvidia/k8s/dcgm-exporter:4.4.2-4.7.1-ubuntu22.04,
// cr.fluentbit.io/fluent/fluent-bit:5.1.1 (quoted for Docker Hub's fluent/fluent-bit only), every
// older engine release, and the monitoring host's images. test/planner/digests.test.ts lists those
// left tag-only, so a new pin without a digest is a decision someone wrote down.

/** Digest (of the multi-platform index where the source says so) per pinned tag. */
export const IMAGE_DIGESTS: Readonly<Record<string, string>> = {
  // Manifest-list digest "read from the Docker registry and matching Docker Hub metadata,
  // 2026-10-10" in a published deployment recipe; the same digest is the RepoDigest quoted by
  // three more public Dockerfiles and tests (2026-10).
  "vllm/vllm-openai:v0.31.0":
    "sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3",
  // Multi-arch index, pushed 2026-10-01: registry digest table of published deployment notes
  // ("registry digests read from the registries, nothing pulled", 2026-10-05).
  "lmsysorg/sglang:v0.5.21":
    "sha256:b1259f3ea3275f66237c498ea388919729018bc9f01c3d638391e06e2cf3f469",
  // Pushed 2026-09-04: the same digest table, and a public build recipe's pinned base image.
  "lmsysorg/sglang:v0.5.19-cu129":
    "sha256:59e11312666e1c5c155210ea335589b91daa0d70848521b390b93b1b1e8fb0ef",
  // Build b11459, CUDA 12.8.1: an architecture decision record dated 2026-10-08 and a public
  // service config pinning the same digest.
  "ghcr.io/ggml-org/llama.cpp:server-cuda-b11459":
    "sha256:fff6185edd2fbc4093aa5970bf6db53ed11c283e3a1c52a3e244cf27047264f4",
  // Docker Hub, read 2026-10-02 (a dependency table quoting 292ee794…278c); the full digest in a
  // public Helm chart and a deployment guide pinning ollama/ollama:0.35.1.
  "ollama/ollama:0.35.1": "sha256:292ee7945dfc3d5840a181f3ab86fedb1e66703e02c8af98b50f4da56b7e278c",
  // Index digest of node_exporter v1.8.2 (quay.io and Docker Hub's prom/ carry the same index),
  // quoted by five public deployment configs.
  "quay.io/prometheus/node-exporter:v1.8.2":
    "sha256:4032c6d5bfd752342c3e631c2f1de93ba6b86c41db6b167b9a35372c139e7706",
  // nginx:1.30-alpine moves with each 1.30.x and Alpine rebuild; this is the build four public
  // configs and Dockerfiles pin (autumn 2026). A newer 1.30 build means a new digest here.
  // python:3.12-slim moves with each 3.12.x and Debian rebuild; this index digest is the one a
  // public Dockerfile names "the canonical index" (its amd64 child verified against it) and two
  // more public builds pin (autumn 2026). It runs the GGUF downloader (stdlib only).
  "python:3.12-slim": "sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea",
  "nginx:1.30-alpine": "sha256:97d490c12ba55b4946b01546d1c3ed324e8d41ab1c9fcb2a616aa470620e5b46",
};

/** A reference that names a digest (`…@sha256:<64 hex>`). */
export function hasDigest(image: string): boolean {
  return /@sha256:[a-f0-9]{64}$/.test(image);
}

/** The tag with its known digest appended (unchanged when none is known or one is given). */
export function pinImage(tag: string): string {
  if (hasDigest(tag)) return tag;
  const digest = IMAGE_DIGESTS[tag];
  return digest ? `${tag}@${digest}` : tag;
}
