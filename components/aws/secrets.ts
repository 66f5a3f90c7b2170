// gpufleet:aws:Secrets — the engine API key (given, or generated) and the Hugging Face token as SSM
// SecureString
// parameters under /gpufleet/<stack>/. The instance reads them at boot through its role; the
// program hands the
// renderer and the outputs only their NAMES.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { secretParameterNames } from "../../cloud-init/context";
import { fleetTags } from "./facts";

export interface SecretsArgs {
  /** Stack name: the parameters live under /gpufleet/<stack>/. */
  stack: string;
  /** Engine API key (a Pulumi secret); default: generated, 48 letters and digits. */
  apiKey?: pulumi.Input<string>;
  /**
   * Hugging Face token (a Pulumi secret); default: none (no HF-token parameter, anonymous
   * downloads).
   */
  hfToken?: pulumi.Input<string>;
}

export class Secrets extends pulumi.ComponentResource {
  /** Name of the API-key parameter. */
  public readonly apiKeyParameter: string;
  /** Name of the HF-token parameter, when a token is given. */
  public readonly hfTokenParameter: string | undefined;
  /** ARNs of the parameters (for dependencies). */
  public readonly parameterArns: pulumi.Output<string>[];

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpufleet:aws:Secrets", name, args, opts);
    const names = secretParameterNames(args.stack);
    const tags = fleetTags(args.stack, "secrets");
    // pulumi.secret() even when the value came from a secret config: the parameter's state must
    // stay encrypted.
    const apiKey =
      args.apiKey !== undefined
        ? pulumi.secret(args.apiKey)
        : pulumi.secret(
            new random.RandomPassword(
              `${name}-api-key`,
              { length: 48, special: false },
              { parent: this },
            ).result,
          );
    const apiKeyParam = new aws.ssm.Parameter(
      `${name}-api-key`,
      {
        name: names.apiKey,
        type: "SecureString",
        value: apiKey,
        description: `gpufleet ${args.stack}: engine API key (Bearer token of every /v1 request)`,
        tags,
      },
      { parent: this },
    );
    this.apiKeyParameter = names.apiKey;
    this.parameterArns = [apiKeyParam.arn];
    if (args.hfToken !== undefined) {
      const hfParam = new aws.ssm.Parameter(
        `${name}-hf-token`,
        {
          name: names.hfToken,
          type: "SecureString",
          value: pulumi.secret(args.hfToken),
          description: `gpufleet ${args.stack}: Hugging Face token (gated model downloads)`,
          tags,
        },
        { parent: this },
      );
      this.hfTokenParameter = names.hfToken;
      this.parameterArns.push(hfParam.arn);
    } else {
      this.hfTokenParameter = undefined;
    }
    this.registerOutputs({
      apiKeyParameter: this.apiKeyParameter,
      hfTokenParameter: this.hfTokenParameter,
    });
  }
}
