export * from "./InterceptorRoute";
