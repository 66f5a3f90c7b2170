// Issue 11 item 8: the pinned images run by digest next to their tag, wherever a digest could be
// confirmed (planner/catalog/digests.ts says where each was read and which images have none).
import { describe, expect, it } from "vitest";
import { render } from "../../cloud-init";
import { DEFAULT_HELPER_IMAGES } from "../../cloud-init/context";
import { ENGINES } from "../../planner/catalog/engines";
import { IMAGE_DIGESTS, hasDigest, pinImage } from "../../planner/catalog/digests";
import { RELEASES } from "../../planner/catalog/releases";
import { planFromFile } from "../../cli/main";
import { join } from "node:path";
import { CONTEXT } from "../cloud-init/fixtures";

/** Images no public source quoted a digest for (digests.ts); each stays tag-only. */
const WITHOUT_DIGEST = new Set([
  "openmmlab/lmdeploy:v0.17.0-cu12.8",
  "vllm/vllm-openai:v0.31.0-cu129",
  "nvcr.io/nvidia/k8s/dcgm-exporter:4.4.2-4.7.1-ubuntu22.04",
  "cr.fluentbit.io/fluent/fluent-bit:5.1.1",
]);

describe("images pinned by digest", () => {
  it("every digest is a sha256 of 64 hex digits, keyed by a tag without one", () => {
    for (const [tag, digest] of Object.entries(IMAGE_DIGESTS)) {
      expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(hasDigest(tag)).toBe(false);
      expect(pinImage(tag)).toBe(`${tag}@${digest}`);
    }
    expect(pinImage("x/y:1@sha256:" + "a".repeat(64))).toBe("x/y:1@sha256:" + "a".repeat(64));
    expect(pinImage("x/y:1")).toBe("x/y:1");
  });

  it("each engine's default image (and SGLang's Turing image) names its digest, lmdeploy's excepted", () => {
    for (const spec of Object.values(ENGINES)) {
      const images = [spec.image, ...(spec.legacyImage ? [spec.legacyImage.image] : [])];
      for (const image of images) {
        if (WITHOUT_DIGEST.has(image)) continue;
        expect(hasDigest(image), image).toBe(true);
      }
    }
    expect(ENGINES.vllm.image).toBe(
      "vllm/vllm-openai:v0.31.0@sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3",
    );
  });

  it("the newest release of every engine runs the same image as the engine catalog", () => {
    for (const [engine, releases] of Object.entries(RELEASES)) {
      const newest = releases.find(
        (r) => r.version === ENGINES[engine as keyof typeof ENGINES].version,
      );
      expect(newest?.images[0]!.image, engine).toBe(ENGINES[engine as keyof typeof ENGINES].image);
    }
  });

  it("helper images name their digest where one is known", () => {
    for (const image of Object.values(DEFAULT_HELPER_IMAGES)) {
      expect(hasDigest(image) || WITHOUT_DIGEST.has(image), image).toBe(true);
    }
    expect(hasDigest(DEFAULT_HELPER_IMAGES.nginx)).toBe(true);
    expect(hasDigest(DEFAULT_HELPER_IMAGES.nodeExporter)).toBe(true);
  });

  it("a planned host pulls by digest: the dev stack's images.txt and docker run lines", () => {
    const pools = planFromFile({ config: join(__dirname, "../../Pulumi.dev.yaml") }).plan.pools;
    for (const pool of pools) {
      const r = render(pool, CONTEXT);
      const images = r.files.find((f) => f.path.endsWith("/images.txt"))!.content;
      const listed = images.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
      expect(listed.length).toBeGreaterThan(0);
      for (const image of listed)
        expect(hasDigest(image) || WITHOUT_DIGEST.has(image), image).toBe(true);
      for (const replica of r.replicas) expect(replica.dockerRun).toMatch(/@sha256:[a-f0-9]{64} /);
    }
  });
});
