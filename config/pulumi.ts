// The program's loader: the stack config as the Pulumi engine hands it over (every value a string,
// structured values as JSON), handed to the same planStackConfig as the CLI's file loader.
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE } from "./load";

/** `gpufleet:*` values from the running program's config, namespace stripped, JSON decoded. */
export function readPulumiConfig(): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    const [ns, ...rest] = key.split(":");
    if (ns !== NAMESPACE || rest.length === 0) continue;
    raw[rest.join(":")] = decode(value);
  }
  return raw;
}

function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value; // a plain string value (e.g. gpufleet:someName: abc)
  }
}
