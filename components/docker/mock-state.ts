// What the Docker provider returns for each resource the docker target creates, for the offline
// mocks (cli/offline-mocks.ts): realistic ids and computed fields, so previews and tests see the
// state a real `pulumi up` against a daemon would produce. Pure: no @pulumi imports.
type State = Record<string, unknown>;

export function dockerMockState(
  type: string,
  name: string,
  inputs: State,
  hex: (seed: string, length: number) => string,
): { id: string; state: State } | undefined {
  const seed = `${type}::${name}`;
  switch (type) {
    case "pulumi:providers:docker":
      return { id: hex(seed, 36), state: { ...inputs } };
    case "docker:index/network:Network":
      return {
        id: hex(seed, 64),
        state: {
          ...inputs,
          driver: inputs.driver ?? "bridge",
          scope: "local",
          ipamConfigs: [{ subnet: `172.${18 + (parseInt(hex(seed, 2), 16) % 10)}.0.0/16` }],
        },
      };
    case "docker:index/volume:Volume":
      return {
        id: String(inputs.name),
        state: {
          ...inputs,
          driver: "local",
          mountpoint: `/var/lib/docker/volumes/${String(inputs.name)}/_data`,
        },
      };
    case "docker:index/remoteImage:RemoteImage": {
      const digest = `sha256:${hex(`${seed}digest`, 64)}`;
      return {
        id: `sha256:${hex(seed, 64)}${String(inputs.name)}`,
        state: {
          ...inputs,
          imageId: `sha256:${hex(seed, 64)}`,
          repoDigest: `${String(inputs.name).split(":")[0]}@${digest}`,
        },
      };
    }
    case "docker:index/image:Image": {
      // Built on the host, not pushed: the local image id.
      const id = `sha256:${hex(seed, 64)}`;
      return { id, state: { ...inputs, repoDigest: id, context: "" } };
    }
    case "docker:index/container:Container":
      // A run-to-completion container (attach) is reported with its exit code, as after it ended.
      return {
        id: hex(seed, 64),
        state: {
          ...inputs,
          exitCode: inputs.attach === true ? 0 : null,
          hostname: hex(seed, 12),
          networkDatas: [{ ipAddress: `172.18.0.${(parseInt(hex(seed, 2), 16) % 250) + 2}` }],
        },
      };
    default:
      return undefined;
  }
}
