export * as httpKedaSh from "./http.keda.sh/index";
