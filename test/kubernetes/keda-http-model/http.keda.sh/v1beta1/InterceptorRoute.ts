import { IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import { Model, ModelData, setValidateFunc, createTypeMetaGuard } from "@kubernetes-models/base";
import { ValidateFunc } from "@kubernetes-models/validate";
import { validate } from "../../_schemas/HttpKedaShV1beta1InterceptorRoute";

/**
 * InterceptorRoute configures request routing and autoscaling for a target service.
 */
export interface IInterceptorRoute {
  /**
   * APIVersion defines the versioned schema of this representation of an object.
   * Servers should convert recognized schemas to the latest internal value, and
   * may reject unrecognized values.
   * More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources
   */
  "apiVersion": "http.keda.sh/v1beta1";
  /**
   * Kind is a string value representing the REST resource this object represents.
   * Servers may infer this from the endpoint the client submits requests to.
   * Cannot be updated.
   * In CamelCase.
   * More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds
   */
  "kind": "InterceptorRoute";
  "metadata": IObjectMeta;
  /**
   * InterceptorRouteSpec defines the desired state of InterceptorRoute.
   */
  "spec": {
    /**
     * Cold start behavior when scaling from zero.
     */
    "coldStart"?: {
      /**
       * Fallback target to route to when the primary backend does not become
       * ready within the readiness timeout.
       */
      "fallback": {
        /**
         * Kubernetes Service to use as the fallback target.
         */
        "service": {
          /**
           * Name of the Kubernetes Service.
           */
          "name": string;
          /**
           * Port number on the Service. Mutually exclusive with portName.
           */
          "port"?: number;
          /**
           * Named port on the Service. Mutually exclusive with port.
           */
          "portName"?: string;
        };
      };
    };
    /**
     * Routing rules that define how requests are matched to this target.
     */
    "rules"?: Array<{
      /**
       * All listed headers must match the request (AND semantics).
       * If a header's Value is omitted, the header must be present but any
       * value is accepted.
       */
      "headers"?: Array<{
        /**
         * Name of the HTTP header.
         */
        "name": string;
        /**
         * Value to match against (exact match). If omitted, matches any value for given header name.
         */
        "value"?: string;
      }>;
      /**
       * Match any of these hostnames. Wildcard patterns (e.g. "\*.example.com")
       * are supported. A single "\*" acts as a catch-all. Exact matches take
       * priority over wildcards; more specific wildcards (e.g. "\*.bar.example.com")
       * take priority over less specific ones.
       */
      "hosts"?: Array<string>;
      /**
       * Match any of these path prefixes. When multiple paths match,
       * the longest prefix wins.
       */
      "paths"?: Array<{
        /**
         * Path prefix to match against. The longest matching prefix wins.
         */
        "value": string;
      }>;
    }>;
    /**
     * Metric configuration for autoscaling.
     */
    "scalingMetric": {
      /**
       * Scale based on concurrent request count.
       */
      "concurrency"?: {
        /**
         * Target concurrent request count per replica.
         */
        "targetValue": number;
      };
      /**
       * Scale based on request rate.
       */
      "requestRate"?: {
        /**
         * Bucket size for rate calculation within the window.
         */
        "granularity"?: string;
        /**
         * Target request rate per replica.
         */
        "targetValue": number;
        /**
         * Sliding time window over which the request rate is calculated.
         */
        "window"?: string;
      };
    };
    /**
     * Backend service to route traffic to.
     */
    "target": {
      /**
       * Port number on the Service. Mutually exclusive with portName.
       */
      "port"?: number;
      /**
       * Named port on the Service. Mutually exclusive with port.
       */
      "portName"?: string;
      /**
       * Name of the Kubernetes Service.
       */
      "service": string;
    };
    /**
     * Timeout configuration for request handling.
     */
    "timeouts"?: {
      /**
       * Time to wait for the backend to become ready (e.g. scale-from-zero).
       * Unset: uses the global KEDA_HTTP_READINESS_TIMEOUT (default: disabled).
       * Set to "0s" to disable the dedicated readiness deadline so the full
       * request budget is available for cold starts. When a fallback service
       * is configured and this is "0s", a 30s default is applied.
       */
      "readiness"?: string;
      /**
       * Total time allowed for the entire request lifecycle.
       * Unset: uses the global KEDA_HTTP_REQUEST_TIMEOUT (default: disabled).
       * Set to "0s" to disable the request deadline.
       */
      "request"?: string;
      /**
       * Max time to wait for the response headers from the backend after the
       * request has been fully sent. Does not include cold-start wait time.
       * Unset: uses the global KEDA_HTTP_RESPONSE_HEADER_TIMEOUT (default: 300s).
       * Set to "0s" to disable the response header deadline.
       */
      "responseHeader"?: string;
    };
  };
  /**
   * InterceptorRouteStatus defines the observed state of InterceptorRoute.
   */
  "status"?: {
    /**
     * Conditions of the InterceptorRoute.
     */
    "conditions"?: Array<{
      /**
       * lastTransitionTime is the last time the condition transitioned from one status to another.
       * This should be when the underlying condition changed.  If that is not known, then using the time when the API field changed is acceptable.
       */
      "lastTransitionTime": string;
      /**
       * message is a human readable message indicating details about the transition.
       * This may be an empty string.
       */
      "message": string;
      /**
       * observedGeneration represents the .metadata.generation that the condition was set based upon.
       * For instance, if .metadata.generation is currently 12, but the .status.conditions[x].observedGeneration is 9, the condition is out of date
       * with respect to the current state of the instance.
       */
      "observedGeneration"?: number;
      /**
       * reason contains a programmatic identifier indicating the reason for the condition's last transition.
       * Producers of specific condition types may define expected values and meanings for this field,
       * and whether the values are considered a guaranteed API.
       * The value should be a CamelCase string.
       * This field may not be empty.
       */
      "reason": string;
      /**
       * status of the condition, one of True, False, Unknown.
       */
      "status": "True" | "False" | "Unknown";
      /**
       * type of condition in CamelCase or in foo.example.com/CamelCase.
       */
      "type": string;
    }>;
  };
}

/**
 * InterceptorRoute configures request routing and autoscaling for a target service.
 */
export class InterceptorRoute extends Model<IInterceptorRoute> implements IInterceptorRoute {
  "apiVersion": IInterceptorRoute["apiVersion"];
  "kind": IInterceptorRoute["kind"];
  "metadata": IInterceptorRoute["metadata"];
  "spec": IInterceptorRoute["spec"];
  "status"?: IInterceptorRoute["status"];

static apiVersion: IInterceptorRoute["apiVersion"] = "http.keda.sh/v1beta1";
static kind: IInterceptorRoute["kind"] = "InterceptorRoute";
static is = createTypeMetaGuard<IInterceptorRoute>(InterceptorRoute);

constructor(data?: ModelData<IInterceptorRoute>) {
  super();

  this.setDefinedProps({
    apiVersion: InterceptorRoute.apiVersion,
    kind: InterceptorRoute.kind,
    ...data
  } as IInterceptorRoute);
}
}


setValidateFunc(InterceptorRoute, validate as ValidateFunc<IInterceptorRoute>);
