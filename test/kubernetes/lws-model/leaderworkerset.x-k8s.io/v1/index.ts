export * from "./LeaderWorkerSet";
