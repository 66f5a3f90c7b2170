// Shapes of the free-text values of a stack config, each fitting what the value becomes (an argument
// of `hf download` or `ollama pull`, a TSV cell, an env-file line, an image reference, a URL the
// gateway calls). Used by the zod schema in ./schema.ts: a value outside its shape is refused at the
// edge with exit 2, never carried into a renderer that would crash or a file it would break.

/**
 * A Hugging Face repo id as the Hub accepts it (huggingface_hub validate_repo_id, 2025): one
 * namespace and one name of letters, digits, '-', '_', '.'; no '--' or '..'; neither part starts
 * or ends with '-' or '.'; at most 96 characters.
 */
export function isHfRepoId(value: string): boolean {
  if (value.length > 96 || value.includes("--") || value.includes("..")) return false;
  const parts = value.split("/");
  return (
    parts.length === 2 &&
    parts.every((p) => /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/.test(p))
  );
}

/** A GGUF file name in a repo's top folder: no '/', no '..', no leading '-' or '.', ends .gguf. */
export const GGUF_FILE = /^[A-Za-z0-9_](?:[A-Za-z0-9_.+-]*[A-Za-z0-9_])?\.gguf$/;

/**
 * An Ollama model reference `[namespace/]name[:tag]` (ollama's ParseName: letters, digits, '_',
 * '-', '.'; a tag up to 128 characters); never starting with '-', which `ollama pull` would read
 * as an option.
 */
export const OLLAMA_TAG =
  /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}(?:\/[A-Za-z0-9][A-Za-z0-9_.-]{0,79})?(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;

/**
 * A container image reference as Docker's reference grammar (distribution/reference) accepts it:
 * an optional registry host[:port], lowercase path components, an optional tag, an optional
 * sha256 digest.
 */
export const IMAGE_REF =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** A provider's model id (LiteLLM `model`): no whitespace, quotes or control characters. */
export const PROVIDER_MODEL = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$/;

/**
 * A Hugging Face token (`hf_…`, or an older `api_org_…`): letters, digits, '_', '-', '.'. Never a
 * space or a newline, which would add a line to the env file the token is written to.
 */
export const HF_TOKEN = /^[A-Za-z0-9_.-]{8,512}$/;

/** An AWS region name such as us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5. */
export const AWS_REGION =
  /^[a-z]{2}(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2}$/;

/**
 * A stack name every AWS name derived from it accepts (SSM paths, log groups, tags, load-balancer
 * and target-group names, S3 buckets): lowercase letters, digits and hyphens, starting with a
 * letter, at most 24 characters.
 */
export const STACK_NAME = /^[a-z](?:[a-z0-9-]{0,22}[a-z0-9])?$/;

/**
 * Addresses a URL the gateway calls must never name: the EC2 and ECS metadata endpoints and the
 * rest of IPv4 and IPv6 link-local space (a key or role credential would leave through them).
 */
export function isLinkLocalHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (/^169\.254\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  if (h.startsWith("fe80:") || h === "fd00:ec2::254") return true;
  return h === "instance-data" || h === "instance-data.ec2.internal";
}

/**
 * Problems of a URL that gpufleet hands to a service that calls it: its scheme among `schemes`,
 * a host, no user:password, no link-local or metadata host. Empty when fine.
 */
export function urlProblems(value: string, schemes: readonly string[]): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return ["must be an absolute URL"];
  }
  const out: string[] = [];
  if (!schemes.includes(url.protocol.replace(/:$/, ""))) {
    out.push(`must be ${schemes.join(" or ")}, not ${url.protocol.replace(/:$/, "")}`);
  }
  if (url.hostname === "") out.push("must name a host");
  if (url.username !== "" || url.password !== "") out.push("must not carry a user or password");
  if (isLinkLocalHost(url.hostname)) {
    out.push(`must not name a link-local or instance-metadata address (${url.hostname})`);
  }
  if (/[\s\u0000-\u001f\u007f]/.test(value))
    out.push("must not contain spaces or control characters");
  return out;
}

/**
 * An IPv4 CIDR whose address is its network address ("10.0.0.0/16", not "10.0.0.1/16"): AWS
 * rejects host bits in a security group rule or a VPC. Assumes IPV4_CIDR already matched.
 */
export function hasHostBits(cidr: string): boolean {
  const [addr, len] = cidr.split("/");
  const n = addr!.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const bits = Number(len);
  const hostMask = bits === 0 ? 2 ** 32 - 1 : 2 ** (32 - bits) - 1;
  return n % (hostMask + 1) !== 0;
}
