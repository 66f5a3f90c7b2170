export * as leaderworkersetXK8sIo from "./leaderworkerset.x-k8s.io/index";
