"""`Status` failure bodies, worded like the real API server's."""

from __future__ import annotations

from .resources import Resource

REASONS = {
    400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
    405: "MethodNotAllowed", 409: "Conflict", 410: "Expired", 415: "UnsupportedMediaType",
    422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
    504: "Timeout",
}


class ApiError(Exception):
    """Raised inside request handling; becomes a Status response."""

    def __init__(self, code: int, message: str, reason: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.code, self.message = code, message
        self.reason = reason or REASONS.get(code, "Unknown")
        self.details = details

    def body(self) -> dict:
        return status_body(self.code, self.message, self.reason, self.details)


def status_body(code: int, message: str, reason: str | None = None, details: dict | None = None) -> dict:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason or REASONS.get(code, "Unknown")}
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


def success_status(details: dict | None = None) -> dict:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    if details:
        body["details"] = details
    return body


def _details(resource: Resource | None, name: str | None) -> dict:
    details = {}
    if name:
        details["name"] = name
    if resource is not None:
        if resource.group:
            details["group"] = resource.group
        details["kind"] = resource.plural
    return details


def not_found(resource: Resource, name: str) -> ApiError:
    return ApiError(404, f'{resource.qualified} "{name}" not found', "NotFound", _details(resource, name))


def no_such_path() -> ApiError:
    return ApiError(404, "the server could not find the requested resource", "NotFound", {})


def already_exists(resource: Resource, name: str) -> ApiError:
    return ApiError(409, f'{resource.qualified} "{name}" already exists', "AlreadyExists",
                    _details(resource, name))


def conflict(resource: Resource, name: str) -> ApiError:
    return ApiError(409, f'Operation cannot be fulfilled on {resource.qualified} "{name}": the object has '
                    f'been modified; please apply your changes to the latest version and try again',
                    "Conflict", _details(resource, name))


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "BadRequest")


def forbidden(resource: Resource | None, verb: str, namespace: str | None, name: str | None,
              subresource: str | None = None, user: str = "kubernetes-admin") -> ApiError:
    """`pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "tiketi"`"""
    plural = resource.plural if resource else "resource"
    what = f'{resource.qualified if resource else plural}' + (f' "{name}"' if name else "")
    target = plural + (f"/{subresource}" if subresource else "")
    group = resource.group if resource else ""
    scope = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
    message = (f'{what} is forbidden: User "{user}" cannot {verb} resource "{target}" '
               f'in API group "{group}"{scope}')
    return ApiError(403, message, "Forbidden", _details(resource, name))


def injected(code: int, message: str | None, resource: Resource | None, verb: str,
             namespace: str | None, name: str | None, subresource: str | None, user: str | None = None) -> ApiError:
    """The Status a real server would send for this code, for fault injection."""
    if code == 403:
        error = forbidden(resource, verb, namespace, name, subresource, **({"user": user} if user else {}))
        if message:
            error.message = message
        return error
    if code == 404 and resource is not None and name:
        return not_found(resource, name)
    if code == 401:
        return ApiError(401, message or "Unauthorized", "Unauthorized")
    if code == 500:
        text = message or "injected fault"
        return ApiError(500, f"Internal error occurred: {text}", "InternalError",
                        {"causes": [{"message": text}]})
    if code == 429:
        return ApiError(429, message or "Too many requests, please try again later.", "TooManyRequests",
                        {"causes": [{"reason": "TooManyRequests", "message": "storage is (re)initializing"}],
                         "retryAfterSeconds": 1})
    if code == 504:
        return ApiError(504, message or "Timeout: request did not complete within requested timeout - "
                        "context deadline exceeded", "Timeout", {})
    return ApiError(code, message or REASONS.get(code, "error"), REASONS.get(code, "Unknown"),
                    _details(resource, name) if resource else {})
