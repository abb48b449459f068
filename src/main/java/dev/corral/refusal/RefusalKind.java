package dev.corral.refusal;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Every way Corral refuses a request, with the status and the error type each dialect uses for it
 * (OpenAI {@code error.type}/{@code error.code}, Anthropic {@code error.type}).
 */
public enum RefusalKind {
    BAD_REQUEST(400, "invalid_request_error", "invalid_request", "invalid_request_error"),
    UNAUTHORIZED(401, "invalid_request_error", "invalid_api_key", "authentication_error"),
    FORBIDDEN(403, "invalid_request_error", "permission_denied", "permission_error"),
    NOT_FOUND(404, "invalid_request_error", "not_found", "not_found_error"),
    METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed", "invalid_request_error"),
    REQUEST_TIMEOUT(408, "invalid_request_error", "request_timeout", "invalid_request_error"),
    /** The model at Ollama is not the one pinned (policy.pins). */
    CONFLICT(409, "invalid_request_error", "conflict", "invalid_request_error"),
    PAYLOAD_TOO_LARGE(413, "invalid_request_error", "request_too_large", "request_too_large"),
    URI_TOO_LONG(414, "invalid_request_error", "uri_too_long", "invalid_request_error"),
    UNSUPPORTED_MEDIA_TYPE(415, "invalid_request_error", "unsupported_media_type", "invalid_request_error"),
    EXPECTATION_FAILED(417, "invalid_request_error", "expectation_failed", "invalid_request_error"),
    TOO_MANY_REQUESTS(429, "requests", "rate_limit_exceeded", "rate_limit_error"),
    HEADERS_TOO_LARGE(431, "invalid_request_error", "headers_too_large", "invalid_request_error"),
    INTERNAL(500, "api_error", "internal_error", "api_error"),
    BAD_GATEWAY(502, "api_error", "upstream_unavailable", "api_error"),
    SERVICE_UNAVAILABLE(503, "server_error", "overloaded", "overloaded_error"),
    HTTP_VERSION_NOT_SUPPORTED(505, "invalid_request_error", "http_version", "invalid_request_error"),
    GATEWAY_TIMEOUT(504, "api_error", "upstream_timeout", "api_error");

    private final HttpResponseStatus status;
    private final String openAiType;
    private final String openAiCode;
    private final String anthropicType;

    RefusalKind(int status, String openAiType, String openAiCode, String anthropicType) {
        this.status = HttpResponseStatus.valueOf(status);
        this.openAiType = openAiType;
        this.openAiCode = openAiCode;
        this.anthropicType = anthropicType;
    }

    public HttpResponseStatus status() {
        return status;
    }

    public String openAiType() {
        return openAiType;
    }

    public String openAiCode() {
        return openAiCode;
    }

    public String anthropicType() {
        return anthropicType;
    }
}
