// The gateway's pure side: options and names, the LiteLLM config renderer, the task's container
// definition and IAM
// documents, the monthly cost. The AWS component is components/aws/gateway.ts.
export * from "./options";
export * from "./config";
export * from "./task";
export * from "./cost";
