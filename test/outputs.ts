// Reading a Pulumi output's value in a test. `new Promise((res) => o.apply(res))` never settles when
// the output is unknown (a preview leaves every value a mock does not return unknown): the test
// then hangs until its timeout with no hint. These helpers settle at once and say which output.
import * as pulumi from "@pulumi/pulumi";

/** The SDK's Output has these at run time, though its type declarations leave them out. */
interface OutputInternals {
  promise(withUnknowns?: boolean): Promise<unknown>;
  isKnown: Promise<boolean>;
}

/**
 * The value of `o`; rejects naming `name` when the value (or any part of it) is unknown, as it is
 * in a preview for outputs that the mocks do not return.
 */
export async function knownValue<T>(o: pulumi.Input<T>, name: string): Promise<T> {
  const out = pulumi.output(o) as unknown as OutputInternals;
  const [value, known] = await Promise.all([out.promise(true), out.isKnown]);
  if (!known || pulumi.isUnknown(value)) {
    throw new Error(
      `output ${name} is unknown (as in a preview): have the mocks return the value it reads, or run with dryRun false`,
    );
  }
  return value as T;
}
