// The Docker target: one component per Docker host, wired from the pure spec (./spec.ts).
export * from "./spec";
export { DockerHost, containerArgs, type DockerHostArgs } from "./host";
