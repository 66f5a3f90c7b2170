export * from "./types";
export * from "./plan";
export { categoryOf } from "./policy";
export { GPUS, findGpu } from "./catalog/gpus";
export { INSTANCE_TYPES, PRICES_AS_OF, findInstanceType } from "./catalog/instances";
export { MODELS, findModel } from "./catalog/models";
export { ENGINES } from "./engines";
