export * from "./schema";
export * from "./load";
export * from "./plan-input";
export * from "./target";
export * from "./validate";
