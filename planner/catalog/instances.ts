// EC2 GPU instance types the planner can place pools on: pure data, no dependencies.
//
// SOURCES (looked up 2026-11-21; the date of each figure is the date its source carries):
//
// [PRICE-P] On-demand Linux, shared tenancy, us-east-1, P families: the AWS Price List bulk API
//   offer file for us-east-1 (https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/
//   current/us-east-1/index.json), "Last-Modified 2026-07-28", as tabulated (accessed 2026-08-01)
//   in a public repository's sourced research report found via the public-code index. It
//   reflects AWS's June 2025 P4/P5 price cut (p5.48xlarge 98.32 → 55.04). The same figures
//   (p4d 21.957642, p4de 27.44705, p5.48xlarge 55.04, p5en 63.296) appear in a second public
//   repo's price table and p5.4xlarge 6.88 in a third (AWS console screenshots), read
//   2026-11-21.
// [PRICE-G] On-demand Linux us-east-1, G families: two independent public price tables, one
//   copied from the AWS console, one keyed to the same 2026 price list as [PRICE-P], agree
//   to the last digit (g5.xlarge 1.006, g6e.48xlarge 30.13118, ...); g4dn also matches
//   "instances.vantage.sh us-east-1, 2026-04-08" in a third repo. Read 2026-11-21.
// [PRICE-P3] p3.* and p3dn.24xlarge: "instances.vantage.sh us-east-1 OD Linux, as of
//   2026-04-08" in a public repo, matching a second repo's table. Read 2026-11-21.
// [SHAPE] vCPUs / memory GiB / GPU count: meta-pytorch/torchx torchx/specs/named_resources_aws.py
//   (commit 3297a6e, taken "from https://aws.amazon.com/ec2/instance-types/"), read 2026-11-21;
//   g4dn.12xlarge/16xlarge also match the SkyPilot catalog (skypilot-org/skypilot-catalog
//   catalogs/v8/aws/vms.csv) and p5.4xlarge (16 vCPU, 256 GiB) a public repo's machine table.
//   g6 is not in torchx: AWS built it on the same shapes as g5 (AWS G6 page).
// [SPEC] Network bandwidth and instance store: AWS "Accelerated computing instance
//   specifications" (https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html) and the
//   per-family pages (https://aws.amazon.com/ec2/instance-types/g5/ etc.). Those pages could not
//   be re-opened from here; the figures are AWS's published ones as recorded 2026-11-21, and
//   the ones checkable against public code agree (g5.12xlarge 40 Gbps, g6.8xlarge/16xlarge
//   25 Gbps, g6e.16xlarge 35 Gbps, g6e.12xlarge+ and p* high-bandwidth; p5.4xlarge 100 Gbps
//   EFA). "Up to X" figures are entered as X (types.ts) and flagged "up to" per row.
//
// vcpuQuota: G and VT families draw from "Running On-Demand G and VT instances", P families
// from "Running On-Demand P instances" (Service Quotas, EC2; AWS docs "On-Demand Instance
// quotas").
// nvlink: true only where the GPUs share NVLink/NVSwitch (p3.8xlarge+, p3dn, p4d/p4de,
// p5.48xlarge, p5e, p5en; AWS P3/P4/P5 pages). Every g* size is PCIe only; single-GPU sizes
// are false (nothing to link).

import type { GpuId, InstanceTypeSpec } from "../types";

/**
 * Elastic Fabric Adapters per instance type (EC2 DescribeInstanceTypes NetworkInfo.EfaInfo
 * maximumEfaInterfaces): meta-pytorch/torchx torchx/specs/named_resources_aws.py (commit 3297a6e,
 * "vpc.amazonaws.com/efa" devices per type, taken from aws.amazon.com/ec2/instance-types), read
 * 2026-12-01; AWS EC2 User Guide "Elastic Fabric Adapter" (efa.html, supported instance types) and
 * "Maximize network bandwidth … with multiple network cards" (efa-acc-inst-types.html), read
 * 2026-12-01, say the same for the P families and name the requirements gpufleet follows (one
 * cluster placement group, a security group that lets all traffic to and from itself). Types not
 * listed have no EFA here: g6 (not in torchx's table; AWS lists EFA from g6.8xlarge, unconfirmed
 * from here) and the g6e sizes below 24xlarge are counted as TCP only, the slower assumption.
 */
const EFA_INTERFACES: Readonly<Record<string, number>> = {
  "g4dn.8xlarge": 1,
  "g4dn.12xlarge": 1,
  "g4dn.16xlarge": 1,
  "g4dn.metal": 1,
  "g5.8xlarge": 1,
  "g5.12xlarge": 1,
  "g5.16xlarge": 1,
  "g5.24xlarge": 1,
  "g5.48xlarge": 1,
  "g6e.24xlarge": 2,
  "g6e.48xlarge": 4,
  "p3dn.24xlarge": 1,
  "p4d.24xlarge": 4,
  "p4de.24xlarge": 4,
  "p5.48xlarge": 32,
  "p5e.48xlarge": 32,
  "p5en.48xlarge": 16,
};

/** Date of the price figures below (the AWS Price List file [PRICE-P] / [PRICE-G] match). */
export const PRICES_AS_OF = "2026-07-28";

/**
 * One table row, columns in this order: name, gpu, gpuCount, vcpus, memoryGiB, networkGbps,
 * localNvmeDisks, localNvmeGB, pricePerHour, nvlink. Family (text before the dot) and quota
 * (from the family's first letter) follow from the name.
 */
function row(
  name: string,
  gpu: GpuId,
  gpuCount: number,
  vcpus: number,
  memoryGiB: number,
  networkGbps: number,
  localNvmeDisks: number,
  localNvmeGB: number,
  pricePerHour: number,
  nvlink: boolean,
): InstanceTypeSpec {
  const family = name.slice(0, name.indexOf("."));
  const vcpuQuota = family.startsWith("p") ? "P" : "G and VT";
  return {
    name,
    family,
    gpu,
    gpuCount,
    vcpus,
    memoryGiB,
    networkGbps,
    localNvmeDisks,
    localNvmeGB,
    pricePerHour,
    vcpuQuota,
    nvlink,
    efaInterfaces: EFA_INTERFACES[name] ?? 0,
  };
}

/**
 * Bandwidth of one EFA, Gbit/s: the type's network bandwidth shared by its EFA network cards
 * (p4d 400 / 4, p5 3200 / 32, p5en 3200 / 16; one card: the whole figure). gpufleet attaches one EFA
 * (network card 0), so this is what NCCL gets between two nodes; 0 without EFA.
 */
export function efaGbpsOf(it: InstanceTypeSpec): number {
  return it.efaInterfaces > 0 ? it.networkGbps / it.efaInterfaces : 0;
}

export const INSTANCE_TYPES: readonly InstanceTypeSpec[] = [
  //  name            gpu          n  vcpu GiB   Gbps  #  NVMe GB $/h       nvlink
  // ── g4dn: NVIDIA T4 16 GB, PCIe. [SHAPE] [SPEC] [PRICE-G] ──────────────────────────────
  // network: xlarge-4xlarge "up to 25"; instance store 125/225/225/900/900/900/2x900 GB NVMe.
  row("g4dn.xlarge", "T4", 1, 4, 16, 25, 1, 125, 0.526, false), // net "up to"
  row("g4dn.2xlarge", "T4", 1, 8, 32, 25, 1, 225, 0.752, false), // net "up to"
  row("g4dn.4xlarge", "T4", 1, 16, 64, 25, 1, 225, 1.204, false), // net "up to"
  row("g4dn.8xlarge", "T4", 1, 32, 128, 50, 1, 900, 2.176, false),
  row("g4dn.16xlarge", "T4", 1, 64, 256, 50, 1, 900, 4.352, false),
  row("g4dn.12xlarge", "T4", 4, 48, 192, 50, 1, 900, 3.912, false),
  row("g4dn.metal", "T4", 8, 96, 384, 100, 2, 1800, 7.824, false),

  // ── g5: NVIDIA A10G 24 GB, PCIe. [SHAPE] [SPEC] [PRICE-G] ─────────────────────────────────
  // network: xlarge/2xlarge "up to 10", 4xlarge "up to 25"; store 250/450/600/900/1900/3800/
  // 3800/2x3800 GB NVMe.
  row("g5.xlarge", "A10G", 1, 4, 16, 10, 1, 250, 1.006, false), // net "up to"
  row("g5.2xlarge", "A10G", 1, 8, 32, 10, 1, 450, 1.212, false), // net "up to"
  row("g5.4xlarge", "A10G", 1, 16, 64, 25, 1, 600, 1.624, false), // net "up to"
  row("g5.8xlarge", "A10G", 1, 32, 128, 25, 1, 900, 2.448, false),
  row("g5.16xlarge", "A10G", 1, 64, 256, 25, 1, 1900, 4.096, false),
  row("g5.12xlarge", "A10G", 4, 48, 192, 40, 1, 3800, 5.672, false),
  row("g5.24xlarge", "A10G", 4, 96, 384, 50, 1, 3800, 8.144, false),
  row("g5.48xlarge", "A10G", 8, 192, 768, 100, 2, 7600, 16.288, false),

  // ── g6: NVIDIA L4 24 GB, PCIe. Shapes as g5 (AWS G6 page). [SPEC] [PRICE-G] ──────────────
  // network: xlarge/2xlarge "up to 10", 4xlarge "up to 25"; store 250/450/600/2x450/2x940/
  // 4x940/4x940/8x940 GB NVMe.
  row("g6.xlarge", "L4", 1, 4, 16, 10, 1, 250, 0.8048, false), // net "up to"
  row("g6.2xlarge", "L4", 1, 8, 32, 10, 1, 450, 0.9776, false), // net "up to"
  row("g6.4xlarge", "L4", 1, 16, 64, 25, 1, 600, 1.3232, false), // net "up to"
  row("g6.8xlarge", "L4", 1, 32, 128, 25, 2, 900, 2.0144, false),
  row("g6.16xlarge", "L4", 1, 64, 256, 25, 2, 1880, 3.3968, false),
  row("g6.12xlarge", "L4", 4, 48, 192, 40, 4, 3760, 4.6016, false),
  row("g6.24xlarge", "L4", 4, 96, 384, 50, 4, 3760, 6.6752, false),
  row("g6.48xlarge", "L4", 8, 192, 768, 100, 8, 7520, 13.3504, false),

  // ── g6e: NVIDIA L40S 48 GB, PCIe. [SHAPE] [SPEC] [PRICE-G] ───────────────────────────────
  // network: xlarge/2xlarge "up to 20"; store 250/450/600/900/1900/2x1900/2x1900/4x1900 GB NVMe.
  row("g6e.xlarge", "L40S", 1, 4, 32, 20, 1, 250, 1.861, false), // net "up to"
  row("g6e.2xlarge", "L40S", 1, 8, 64, 20, 1, 450, 2.24208, false), // net "up to"
  row("g6e.4xlarge", "L40S", 1, 16, 128, 20, 1, 600, 3.00424, false),
  row("g6e.8xlarge", "L40S", 1, 32, 256, 25, 1, 900, 4.52856, false),
  row("g6e.16xlarge", "L40S", 1, 64, 512, 35, 1, 1900, 7.57719, false),
  row("g6e.12xlarge", "L40S", 4, 48, 384, 100, 2, 3800, 10.49264, false),
  row("g6e.24xlarge", "L40S", 4, 96, 768, 200, 2, 3800, 15.06559, false),
  row("g6e.48xlarge", "L40S", 8, 192, 1536, 400, 4, 7600, 30.13118, false),

  // ── p3: NVIDIA V100 16 GB SXM2 (NVLink on 4/8-GPU sizes), EBS only. [SHAPE] [SPEC] [PRICE-P3]
  row("p3.2xlarge", "V100-16GB", 1, 8, 61, 10, 0, 0, 3.06, false), // net "up to"
  row("p3.8xlarge", "V100-16GB", 4, 32, 244, 10, 0, 0, 12.24, true),
  row("p3.16xlarge", "V100-16GB", 8, 64, 488, 25, 0, 0, 24.48, true),
  // p3dn: 8 x V100 32 GB SXM2, 2 x 900 GB NVMe, 100 Gbps (EFA). [SHAPE] [SPEC] [PRICE-P3]
  row("p3dn.24xlarge", "V100-32GB", 8, 96, 768, 100, 2, 1800, 31.212, true),

  // ── p4d / p4de: 8 x A100 SXM4 on NVSwitch, 8 x 1000 GB NVMe, 4 x 100 Gbps EFA. ──────────
  // [SHAPE] [SPEC] [PRICE-P]
  row("p4d.24xlarge", "A100-40GB", 8, 96, 1152, 400, 8, 8000, 21.957642, true),
  row("p4de.24xlarge", "A100-80GB", 8, 96, 1152, 400, 8, 8000, 27.44705, true),

  // ── p5 / p5e / p5en: H100 / H200 SXM5 on NVSwitch, 8 x 3840 GB NVMe, 3200 Gbps EFA. ────
  // [SHAPE] [SPEC] [PRICE-P]. p5.4xlarge: 1 x H100, 1 x 3840 GB NVMe, 100 Gbps.
  row("p5.4xlarge", "H100", 1, 16, 256, 100, 1, 3840, 6.88, false),
  row("p5.48xlarge", "H100", 8, 192, 2048, 3200, 8, 30720, 55.04, true),
  // p5e.48xlarge has NO on-demand SKU in us-east-1/us-east-2/us-west-2 price feeds (2026-07-28):
  // it is sold through EC2 Capacity Blocks only. The price is the Capacity Block effective
  // hourly rate, $47.76 (AWS Capacity Blocks pricing page, accessed 2026-08-01 per [PRICE-P]'s
  // report) — NOT an on-demand price; a plan using p5e needs a Capacity Block reservation.
  {
    ...row("p5e.48xlarge", "H200", 8, 192, 2048, 3200, 8, 30720, 47.76, true),
    purchaseNote:
      "p5e.48xlarge has no on-demand offer in us-east-1: it is sold through EC2 Capacity Blocks only, and its price here is the Capacity Block rate; an auto scaling group needs a Capacity Block reservation (or use p5en.48xlarge)",
  },
  row("p5en.48xlarge", "H200", 8, 192, 2048, 3200, 8, 30720, 63.296, true),
];

const BY_NAME = new Map<string, InstanceTypeSpec>(
  INSTANCE_TYPES.map((it): [string, InstanceTypeSpec] => [it.name, it]),
);

/** The instance type with this name ("g5.2xlarge"), case-insensitive. */
export function findInstanceType(name: string): InstanceTypeSpec | undefined {
  return BY_NAME.get(name.trim().toLowerCase());
}

/** Every size of a family ("g5"), in catalog order (smallest single-GPU sizes first). */
export function instanceTypesOfFamily(family: string): InstanceTypeSpec[] {
  const wanted = family.trim().toLowerCase();
  return INSTANCE_TYPES.filter((it) => it.family === wanted);
}
