// GPU catalog: one entry per GpuId (planner/types.ts), pure data, no dependencies.
//
// memoryGiB is what the CUDA runtime reports as the device total (cudaMemGetInfo total / 2^30,
// which is also torch.cuda.get_device_properties().total_memory and vLLM's "total_gpu_memory"),
// NOT the marketing "GB" figure and NOT nvidia-smi's memory.total: the driver keeps a few hundred
// MiB back, so CUDA sees less than nvidia-smi prints (e.g. H100: nvidia-smi 81559 MiB, CUDA
// ~81090 MiB). Where several observations disagree (driver versions reserve different amounts)
// the lowest one is taken and rounded DOWN to 0.1 GiB, so the planner never budgets memory the
// card does not have. Where no real observation was found, the comment says "ESTIMATE" and how.
//
// Sources were looked up on 2026-11-21 unless the comment says otherwise. "torch" below means a
// `_CudaDeviceProperties(name=..., total_memory=NNNNNMB)` line printed by PyTorch (NNNNN is MiB)
// in a public repository or issue, found via the public-code index.
//
// Bandwidths are the vendors' peak memory bandwidth in GB/s (10^9 B/s) from NVIDIA's product
// pages / datasheets (https://www.nvidia.com/en-us/data-center/..., /geforce/graphics-cards/...,
// /design-visualization/...) and, for the A10G, AWS's G5 page; recorded 2026-11-21 from those
// published specs (pages not re-fetched live from here).

import type { GpuArchitecture, GpuId, GpuSpec } from "../types";

export const GPUS: Readonly<Record<GpuId, GpuSpec>> = {
  T4: {
    id: "T4",
    // nvidia-smi name on g4dn: vantage-sh/ec2instances.info scraper/aws/ec2/extras/
    // manually_fetched_data.json (g4dn.*, ran 2025-12-10), read 2026-11-21.
    nvidiaSmiName: "Tesla T4",
    architecture: "turing",
    // torch total_memory 14930-15109 MiB across public logs (Colab, EC2), read 2026-11-21;
    // nvidia-smi 15360 MiB (modal-labs/modal-client PR #2797). Lowest 14930 MiB = 14.58 → 14.5.
    memoryGiB: 14.5,
    computeCapability: "7.5", // torch "major=7, minor=5" (same logs), NVIDIA CUDA GPUs list
    memoryBandwidthGBs: 320, // NVIDIA T4 datasheet: 320+ GB/s GDDR6
    cloud: true, // AWS g4dn
  },
  A10G: {
    id: "A10G",
    // nvidia-smi table in NVIDIA/DCGM issue #232 (2025-05-22) and ec2instances.info
    // manually_fetched_data.json (g5.*), read 2026-11-21.
    nvidiaSmiName: "NVIDIA A10G",
    architecture: "ampere",
    // torch total_memory=22587 MiB (public repo log, read 2026-11-21) = 22.06 GiB; nvidia-smi
    // 23028 MiB (DCGM #232). DESIGN.md's reference figure is 22.0.
    memoryGiB: 22.0,
    computeCapability: "8.6", // torch "major=8, minor=6" (same log)
    memoryBandwidthGBs: 600, // AWS G5 page / NVIDIA A10 datasheet: 600 GB/s GDDR6
    cloud: true, // AWS g5
  },
  L4: {
    id: "L4",
    // ec2instances.info manually_fetched_data.json (g6.*, ran 2025-12-10), read 2026-11-21.
    nvidiaSmiName: "NVIDIA L4",
    architecture: "ada",
    // ESTIMATE: no torch/vLLM total found. nvidia-smi 23034 MiB (modal-client PR #2797, 2025-01)
    // is 6 MiB more than the A10G's 23028 MiB, whose CUDA total is 22.06 GiB; EC2 API reports
    // 22888 MiB (SkyPilot catalog v8 aws/vms.csv, gr6 rows). Taken as 22.0, like the A10G.
    memoryGiB: 22.0,
    computeCapability: "8.9", // NVIDIA CUDA GPUs list (Ada)
    memoryBandwidthGBs: 300, // NVIDIA L4 datasheet: 300 GB/s GDDR6
    cloud: true, // AWS g6
  },
  L40S: {
    id: "L40S",
    // ec2instances.info manually_fetched_data.json (g6e.*, ran 2025-12-10), read 2026-11-21.
    nvidiaSmiName: "NVIDIA L40S",
    architecture: "ada",
    // torch total_memory=45589 MiB (public repo notes, read 2026-11-21) = 44.52 GiB; nvidia-smi
    // 46068 MiB (modal-client PR #2797). vLLM logs of an unnamed 48 GB card show 44.35-44.39
    // GiB, so 44.3 to stay below every figure seen.
    memoryGiB: 44.3,
    computeCapability: "8.9", // torch "major=8, minor=9" (same log)
    memoryBandwidthGBs: 864, // NVIDIA L40S datasheet: 864 GB/s GDDR6
    cloud: true, // AWS g6e
  },
  "V100-16GB": {
    id: "V100-16GB",
    // Name as torch/nvidia-smi print it on SXM2 boards (p3): many public logs, read 2026-11-21.
    nvidiaSmiName: "Tesla V100-SXM2-16GB",
    architecture: "volta",
    // torch total_memory 16130-16160 MiB (public logs, read 2026-11-21); 16130 MiB = 15.75 GiB.
    memoryGiB: 15.7,
    computeCapability: "7.0", // torch "major=7, minor=0" (same logs)
    memoryBandwidthGBs: 900, // NVIDIA V100 datasheet (SXM2): 900 GB/s HBM2
    cloud: true, // AWS p3.2xlarge/8xlarge/16xlarge
  },
  "V100-32GB": {
    id: "V100-32GB",
    // SXM2 32 GB boards (p3dn) print "Tesla V100-SXM2-32GB" (same naming scheme as the 16 GB
    // SXM2; AWS p3dn page: 8 x V100 32 GB SXM2). Recorded 2026-11-21.
    nvidiaSmiName: "Tesla V100-SXM2-32GB",
    architecture: "volta",
    // torch total_memory=32510 MiB for "Tesla V100-PCIE-32GB" (public notes, read 2026-11-21)
    // = 31.75 GiB; the SXM2 board has the same 32 GB HBM2 stacks. 31.7.
    memoryGiB: 31.7,
    computeCapability: "7.0", // torch "major=7, minor=0" (same log)
    memoryBandwidthGBs: 900, // NVIDIA V100 datasheet (SXM2): 900 GB/s HBM2
    cloud: true, // AWS p3dn.24xlarge
  },
  "A100-40GB": {
    id: "A100-40GB",
    // ec2instances.info manually_fetched_data.json (p4d.24xlarge), read 2026-11-21.
    nvidiaSmiName: "NVIDIA A100-SXM4-40GB",
    architecture: "ampere",
    // torch/paddle total_memory=40536 MiB (Paddle docs examples, read 2026-11-21) = 39.59 GiB;
    // nvidia-smi 40960 MiB (modal-client PR #2797). DESIGN.md gives 39.4 (newer drivers keep
    // more back), which is the lower of the two, so 39.4.
    memoryGiB: 39.4,
    computeCapability: "8.0", // same log "major=8, minor=0"
    memoryBandwidthGBs: 1555, // NVIDIA A100 datasheet: 40 GB SXM 1,555 GB/s HBM2
    cloud: true, // AWS p4d
  },
  "A100-80GB": {
    id: "A100-80GB",
    // ec2instances.info manually_fetched_data.json (p4de.24xlarge); nvidia-smi table in
    // NVIDIA/mig-parted issue #31. Read 2026-11-21.
    nvidiaSmiName: "NVIDIA A100-SXM4-80GB",
    architecture: "ampere",
    // ESTIMATE: nvidia-smi 81920 MiB (mig-parted #31, modal-client PR #2797). No torch figure
    // found that is not just nvidia-smi copied; a vLLM log-parser comment quotes
    // "total_gpu_memory (79.15GiB)". H100 loses ~470 MiB between nvidia-smi and CUDA, so
    // 81920 - 470 = 81450 MiB = 79.5 GiB; taking the lower vLLM-quoted 79.15 → 79.1.
    memoryGiB: 79.1,
    computeCapability: "8.0", // NVIDIA CUDA GPUs list (GA100)
    memoryBandwidthGBs: 2039, // NVIDIA A100 datasheet: 80 GB SXM 2,039 GB/s HBM2e
    cloud: true, // AWS p4de
  },
  H100: {
    id: "H100",
    // ec2instances.info manually_fetched_data.json (p5.48xlarge); nvidia-smi table in
    // vllm-project/vllm issue #55169 (2026-09). Read 2026-11-21.
    nvidiaSmiName: "NVIDIA H100 80GB HBM3",
    architecture: "hopper",
    // torch total_memory 81082-81090 MiB (public logs, read 2026-11-21) = 79.18 GiB; vLLM
    // "total_gpu_memory 79.22GiB" (vllm PR #10511, 2024-12); nvidia-smi 81559 MiB (vllm #55169).
    // DESIGN.md: 79.2.
    memoryGiB: 79.2,
    computeCapability: "9.0", // torch "major=9, minor=0" (same logs)
    memoryBandwidthGBs: 3350, // NVIDIA H100 datasheet: SXM 3.35 TB/s HBM3
    cloud: true, // AWS p5
  },
  H200: {
    id: "H200",
    // ec2instances.info manually_fetched_data.json (p5e.48xlarge, ran 2026-01-06), read
    // 2026-11-21.
    nvidiaSmiName: "NVIDIA H200",
    architecture: "hopper",
    // torch total_memory=143156 MiB (public repo notes, read 2026-11-21) = 139.80 GiB → 139.8.
    memoryGiB: 139.8,
    computeCapability: "9.0", // same log "major=9, minor=0"
    memoryBandwidthGBs: 4800, // NVIDIA H200 datasheet: 4.8 TB/s HBM3e
    cloud: true, // AWS p5e / p5en
  },
  "GTX-1080": {
    id: "GTX-1080",
    // Current drivers prefix GeForce names with "NVIDIA " (older ones print "GeForce GTX 1080";
    // gpuByNvidiaSmiName accepts both). Recorded 2026-11-21.
    nvidiaSmiName: "NVIDIA GeForce GTX 1080",
    architecture: "pascal",
    // torch total_memory=8118 MiB (public repo notes, read 2026-11-21) = 7.93 GiB → 7.9. A card
    // that also drives a display loses more; the planner's utilisation share covers that.
    memoryGiB: 7.9,
    computeCapability: "6.1", // same log "major=6, minor=1"
    memoryBandwidthGBs: 320, // NVIDIA GTX 1080 specs: 10 Gbps GDDR5X x 256-bit = 320 GB/s
    cloud: false,
  },
  "RTX-3060": {
    id: "RTX-3060",
    nvidiaSmiName: "NVIDIA GeForce RTX 3060", // same torch logs as below, read 2026-11-21
    architecture: "ampere",
    // 12 GB model. torch total_memory 11931-12044 MiB (public logs, read 2026-11-21);
    // 11931 MiB = 11.65 GiB → 11.6.
    memoryGiB: 11.6,
    computeCapability: "8.6", // same logs "major=8, minor=6"
    memoryBandwidthGBs: 360, // NVIDIA RTX 3060 specs: 15 Gbps GDDR6 x 192-bit = 360 GB/s
    cloud: false,
  },
  "RTX-3080": {
    id: "RTX-3080",
    nvidiaSmiName: "NVIDIA GeForce RTX 3080", // torch log below, read 2026-11-21
    architecture: "ampere",
    // 10 GB model. The only torch line found says total_memory=10240 MiB (a Windows/WSL figure,
    // equal to nvidia-smi). ESTIMATE for Linux: the RTX 3090 loses 1.3 % (24576 → 24268 MiB)
    // and the 3060 up to 2.9 %; 10240 MiB x 0.97 = 9933 MiB = 9.7 GiB.
    memoryGiB: 9.7,
    computeCapability: "8.6", // same log "major=8, minor=6"
    memoryBandwidthGBs: 760, // NVIDIA RTX 3080 (10 GB) specs: 19 Gbps GDDR6X x 320-bit
    cloud: false,
  },
  "RTX-3090": {
    id: "RTX-3090",
    nvidiaSmiName: "NVIDIA GeForce RTX 3090", // torch logs below, read 2026-11-21
    architecture: "ampere",
    // torch total_memory 24259-24268 MiB (Hugging Face docs, public logs, read 2026-11-21) =
    // 23.69 GiB; vLLM logs of 24 GB cards (GPU not named: vllm #11550, #14447) show
    // total_gpu_memory 23.55-23.58 GiB → 23.5.
    memoryGiB: 23.5,
    computeCapability: "8.6", // same logs "major=8, minor=6"
    memoryBandwidthGBs: 936, // NVIDIA RTX 3090 specs: 19.5 Gbps GDDR6X x 384-bit
    cloud: false,
  },
  "RTX-4070": {
    id: "RTX-4070",
    // Name per the GeForce naming scheme (cf. RTX 4080/4090 logs below), recorded 2026-11-21.
    nvidiaSmiName: "NVIDIA GeForce RTX 4070",
    architecture: "ada",
    // ESTIMATE: no torch/vLLM figure found. 12 GB GDDR6X like the 3060's 12 GB, whose CUDA total
    // is 11.65-11.76 GiB; taken as 11.6.
    memoryGiB: 11.6,
    computeCapability: "8.9", // NVIDIA CUDA GPUs list (Ada)
    memoryBandwidthGBs: 504, // NVIDIA RTX 4070 specs: 21 Gbps GDDR6X x 192-bit
    cloud: false,
  },
  "RTX-4080": {
    id: "RTX-4080",
    nvidiaSmiName: "NVIDIA GeForce RTX 4080", // torch log below, read 2026-11-21
    architecture: "ada",
    // 16 GB model. torch total_memory=16049 MiB (public repo README, read 2026-11-21) = 15.67
    // GiB → 15.6.
    memoryGiB: 15.6,
    computeCapability: "8.9", // same log "major=8, minor=9"
    memoryBandwidthGBs: 717, // NVIDIA RTX 4080 specs: 22.4 Gbps GDDR6X x 256-bit = 716.8 GB/s
    cloud: false,
  },
  "RTX-4090": {
    id: "RTX-4090",
    // torch log below; nvidia-smi tables in vllm-project/vllm issues #7553, #7768. Read
    // 2026-11-21.
    nvidiaSmiName: "NVIDIA GeForce RTX 4090",
    architecture: "ada",
    // nvidia-smi 24564 MiB (vllm #7553). The one torch line found prints 24563 MiB (equal to
    // nvidia-smi, likely Windows); vLLM logs of 24 GB cards (GPU not named: vllm #11550)
    // show total_gpu_memory 23.55 GiB → 23.5.
    memoryGiB: 23.5,
    computeCapability: "8.9", // torch "major=8, minor=9"
    memoryBandwidthGBs: 1008, // NVIDIA RTX 4090 specs: 21 Gbps GDDR6X x 384-bit
    cloud: false,
  },
  "RTX-A4000": {
    id: "RTX-A4000",
    // Name per the professional-card scheme ("NVIDIA RTX A5000"/"NVIDIA RTX A6000" in torch logs
    // below), recorded 2026-11-21.
    nvidiaSmiName: "NVIDIA RTX A4000",
    architecture: "ampere",
    // ESTIMATE: no torch/vLLM figure found. 16 GB GDDR6 (ECC on by default on pro cards); the
    // 16 GB RTX 4080 reports 15.67 GiB → 15.6.
    memoryGiB: 15.6,
    computeCapability: "8.6", // NVIDIA CUDA GPUs list (GA104)
    memoryBandwidthGBs: 448, // NVIDIA RTX A4000 datasheet: 448 GB/s
    cloud: false,
  },
  "RTX-A5000": {
    id: "RTX-A5000",
    nvidiaSmiName: "NVIDIA RTX A5000", // torch logs below, read 2026-11-21
    architecture: "ampere",
    // torch total_memory 24114-24138 MiB (public repos, read 2026-11-21); 24114 MiB = 23.55 GiB
    // → 23.5.
    memoryGiB: 23.5,
    computeCapability: "8.6", // same logs "major=8, minor=6"
    memoryBandwidthGBs: 768, // NVIDIA RTX A5000 datasheet: 768 GB/s
    cloud: false,
  },
  "RTX-A6000": {
    id: "RTX-A6000",
    nvidiaSmiName: "NVIDIA RTX A6000", // torch log below, read 2026-11-21
    architecture: "ampere",
    // torch total_memory=48676 MiB (public repo, read 2026-11-21) = 47.54 GiB; vLLM logs of an
    // unnamed 48 GB card show 47.37 GiB → 47.3.
    memoryGiB: 47.3,
    computeCapability: "8.6", // same log "major=8, minor=6"
    memoryBandwidthGBs: 768, // NVIDIA RTX A6000 datasheet: 768 GB/s
    cloud: false,
  },
  "QUADRO-RTX-4000": {
    id: "QUADRO-RTX-4000",
    // Turing-era Quadro names carry no "NVIDIA " prefix in nvidia-smi; recorded 2026-11-21
    // (gpuByNvidiaSmiName accepts either form).
    nvidiaSmiName: "Quadro RTX 4000",
    architecture: "turing",
    // ESTIMATE: no torch/vLLM figure found. 8 GB GDDR6; the 8 GB GTX 1080 reports 7.93 GiB and
    // Turing cards keep slightly more back (T4: 16384 → ≤15109 MiB, -7.8 %); 8192 MiB x 0.95
    // = 7782 MiB = 7.6 GiB.
    memoryGiB: 7.6,
    computeCapability: "7.5", // NVIDIA CUDA GPUs list (TU104)
    memoryBandwidthGBs: 416, // NVIDIA Quadro RTX 4000 datasheet: 416 GB/s
    cloud: false,
  },
  // ---- Added 2026-12-01 (issue 13.6): the GPUs users ask about. Sources read 2026-12-01 unless
  // said otherwise; "torch" and "vLLM" lines are public logs found through the code index. ----
  "RTX-2080-TI": {
    id: "RTX-2080-TI",
    nvidiaSmiName: "NVIDIA GeForce RTX 2080 Ti", // GeForce naming scheme; older drivers omit "NVIDIA "
    architecture: "turing",
    // torch total_memory=11019 MiB (several public logs, torch 1.8 era) = 10.76 GiB → 10.7.
    memoryGiB: 10.7,
    computeCapability: "7.5", // same logs "major=7, minor=5"
    memoryBandwidthGBs: 616, // NVIDIA RTX 2080 Ti specs: 14 Gbps GDDR6 x 352-bit
    cloud: false,
  },
  "RTX-5090": {
    id: "RTX-5090",
    nvidiaSmiName: "NVIDIA GeForce RTX 5090", // public GPU-probe logs (vram_mib 32607)
    architecture: "blackwell",
    // vLLM 'Free memory on device (30.27/31.4 GiB)' on 2 × RTX 5090 (noonghunna/club-3090 issue
    // #1087, 2026-08-22); nvidia-smi 32607 MiB = 31.84 GiB. 31.4.
    memoryGiB: 31.4,
    computeCapability: "12.0", // GPU-probe line "compute_capability='12.0'" (sm_120)
    memoryBandwidthGBs: 1792, // NVIDIA RTX 5090 specs: 28 Gbps GDDR7 x 512-bit
    cloud: false,
  },
  L40: {
    id: "L40",
    nvidiaSmiName: "NVIDIA L40", // data-center naming scheme (cf. "NVIDIA L40S")
    architecture: "ada",
    // ESTIMATE: no torch/vLLM total found. Same board and 48 GB GDDR6 as the L40S (nvidia-smi 46068
    // MiB on both); the L40S's 44.3 taken.
    memoryGiB: 44.3,
    computeCapability: "8.9", // NVIDIA CUDA GPUs list (AD102)
    memoryBandwidthGBs: 864, // NVIDIA L40 datasheet: 864 GB/s GDDR6
    cloud: false,
  },
  A40: {
    id: "A40",
    nvidiaSmiName: "NVIDIA A40", // torch log below
    architecture: "ampere",
    // torch total_memory=45416 MiB (public multi-GPU probe log) = 44.35 GiB → 44.3.
    memoryGiB: 44.3,
    computeCapability: "8.6", // same log "major=8, minor=6"
    memoryBandwidthGBs: 696, // NVIDIA A40 datasheet: 696 GB/s GDDR6
    cloud: false,
  },
  "RTX-6000-ADA": {
    id: "RTX-6000-ADA",
    nvidiaSmiName: "NVIDIA RTX 6000 Ada Generation", // torch log below
    architecture: "ada",
    // torch total_memory=48622 MiB (public environment dump, 2 × RTX 6000 Ada) = 47.48 GiB → 47.4.
    memoryGiB: 47.4,
    computeCapability: "8.9", // same log "major=8, minor=9"
    memoryBandwidthGBs: 960, // NVIDIA RTX 6000 Ada datasheet: 960 GB/s GDDR6
    cloud: false,
  },
  "RTX-PRO-6000": {
    id: "RTX-PRO-6000",
    // Workstation Edition as nvidia-smi prints it (public hardware notes); the Server and Max-Q
    // editions are aliases below (same 96 GB GDDR7).
    nvidiaSmiName: "NVIDIA RTX PRO 6000 Blackwell Workstation Edition",
    architecture: "blackwell",
    // vLLM 'Free memory on device (94.05/95.01 GiB)' at TP 4 (public deployment notes, 2026-08-21,
    // sm_120); nvidia-smi memory.total 97,887 MiB = 95.59 GiB (public hardware notes). 95.0.
    memoryGiB: 95.0,
    computeCapability: "12.0", // public hardware notes: "compute capability 12.0"
    memoryBandwidthGBs: 1792, // NVIDIA RTX PRO 6000 Blackwell datasheet: 1,792 GB/s GDDR7
    cloud: false,
  },
  B200: {
    id: "B200",
    nvidiaSmiName: "NVIDIA B200", // torch log below
    architecture: "blackwell",
    // torch total_memory 182631-182642 MiB (public logs) = 178.35 GiB → 178.3.
    memoryGiB: 178.3,
    computeCapability: "10.0", // same logs "major=10, minor=0" (sm_100)
    memoryBandwidthGBs: 8000, // NVIDIA DGX B200 datasheet: 8 TB/s HBM3e per GPU
    // AWS sells B200 as p6-b200 (Capacity Blocks); the instance catalog has no p6 type yet, so
    // pools name it as own hardware (gpu: B200).
    cloud: false,
  },
};

/**
 * Other names nvidia-smi prints for the same catalog GPU (PCIe boards of the same memory size,
 * older driver spellings). Keys are normalised with normaliseSmiName. H100 PCIe is NOT an alias:
 * it is a different card (2.0 TB/s, 114 SMs).
 */
const SMI_ALIASES: Readonly<Record<string, GpuId>> = {
  t4: "T4",
  "tesla v100-pcie-16gb": "V100-16GB",
  "tesla v100-pcie-32gb": "V100-32GB",
  "a100-pcie-40gb": "A100-40GB",
  "a100 80gb pcie": "A100-80GB",
  "a100-pcie-80gb": "A100-80GB",
  "rtx pro 6000 blackwell server edition": "RTX-PRO-6000",
  "rtx pro 6000 blackwell max-q workstation edition": "RTX-PRO-6000",
};

/** Lower case, single spaces, without the "NVIDIA " prefix newer drivers add. */
function normaliseSmiName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/\s+/g, " ")
    .replace(/^nvidia /, "");
}

/** Lower case, with runs of spaces, underscores and hyphens turned into one hyphen. */
function normaliseId(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "-");
}

const BY_ID = new Map<string, GpuSpec>(
  Object.values(GPUS).map((gpu): [string, GpuSpec] => [normaliseId(gpu.id), gpu]),
);

const BY_SMI_NAME = new Map<string, GpuSpec>([
  ...Object.values(GPUS).map((gpu): [string, GpuSpec] => [
    normaliseSmiName(gpu.nvidiaSmiName),
    gpu,
  ]),
  ...Object.entries(SMI_ALIASES).map(([alias, id]): [string, GpuSpec] => [alias, GPUS[id]]),
]);

/** The GPU whose nvidia-smi name this is ("NVIDIA A10G", "GeForce RTX 3090"), case-insensitive. */
export function gpuByNvidiaSmiName(name: string): GpuSpec | undefined {
  return BY_SMI_NAME.get(normaliseSmiName(name));
}

/**
 * The GPU with this catalog id, case-insensitive, spaces or underscores accepted for hyphens
 * ("rtx 4090", "RTX_A4000", "quadro rtx 4000"); failing that, an nvidia-smi name.
 */
export function findGpu(name: string): GpuSpec | undefined {
  return BY_ID.get(normaliseId(name)) ?? gpuByNvidiaSmiName(name);
}

/**
 * The architecture of a compute capability ("8.6" → ampere), or undefined for one no engine here
 * builds kernels for. NVIDIA CUDA GPUs list (developer.nvidia.com/cuda-gpus, read 2026-12-01):
 * 6.x Pascal, 7.0/7.2 Volta, 7.5 Turing, 8.0/8.6/8.7 Ampere, 8.9 Ada, 9.0 Hopper, 10.x/12.x
 * Blackwell.
 */
export function architectureOf(computeCapability: string): GpuArchitecture | undefined {
  const m = /^(\d{1,2})\.(\d)$/.exec(computeCapability);
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major === 6) return "pascal";
  if (major === 7) return minor >= 5 ? "turing" : "volta";
  if (major === 8) return minor === 9 ? "ada" : "ampere";
  if (major === 9) return "hopper";
  if (major === 10 || major === 12) return "blackwell";
  return undefined;
}
