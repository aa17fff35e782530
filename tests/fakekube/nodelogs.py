"""Realistic Node.js 20 output of TIKETI services (start-up banners and the crashes
they hit), for Python scenario builders; the YAML scenarios carry the same texts inline."""

from __future__ import annotations

NODE_VERSION = "v20.20.2"

_LOADER_FRAMES = [
    "    at Module._compile (node:internal/modules/cjs/loader:1469:14)",
    "    at Module._extensions..js (node:internal/modules/cjs/loader:1548:10)",
    "    at Module.load (node:internal/modules/cjs/loader:1288:32)",
    "    at Module._load (node:internal/modules/cjs/loader:1104:12)",
    "    at TracingChannel.traceSync (node:diagnostics_channel:315:14)",
    "    at wrapModuleLoad (node:internal/modules/cjs/loader:217:24)",
]


def _footer() -> str:
    return f"\nNode.js {NODE_VERSION}\n"


def module_not_found(module: str, require_stack: list[str], at: str) -> str:
    """`Error: Cannot find module 'x'`; `at` is the requiring frame, e.g. '/app/src/routes/auth.js:4:26'."""
    stack_lines = "\n".join(f"- {path}" for path in require_stack)
    quoted = ", ".join(f"'{path}'" for path in require_stack)
    return (
        "node:internal/modules/cjs/loader:1228\n"
        "  throw err;\n"
        "  ^\n"
        "\n"
        f"Error: Cannot find module '{module}'\n"
        "Require stack:\n"
        f"{stack_lines}\n"
        "    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)\n"
        "    at Module._load (node:internal/modules/cjs/loader:1051:27)\n"
        "    at Module.require (node:internal/modules/cjs/loader:1311:19)\n"
        "    at require (node:internal/modules/helpers:179:18)\n"
        f"    at Object.<anonymous> ({at})\n"
        "    at Module._compile (node:internal/modules/cjs/loader:1469:14) {\n"
        "  code: 'MODULE_NOT_FOUND',\n"
        f"  requireStack: [ {quoted} ]\n"
        "}\n" + _footer()
    )


def eaddrinuse(port: int, at: str = "/app/src/server.js:48:8") -> str:
    return (
        "node:events:497\n"
        "      throw er; // Unhandled 'error' event\n"
        "      ^\n"
        "\n"
        f"Error: listen EADDRINUSE: address already in use :::{port}\n"
        "    at Server.setupListenHandle [as _listen2] (node:net:1908:16)\n"
        "    at listenInCluster (node:net:1965:12)\n"
        "    at Server.listen (node:net:2067:7)\n"
        f"    at Object.<anonymous> ({at})\n"
        + "\n".join(_LOADER_FRAMES) + "\n"
        "Emitted 'error' event on Server instance at:\n"
        "    at emitErrorNT (node:net:1944:8)\n"
        "    at process.processTicksAndRejections (node:internal/process/task_queues:82:21) {\n"
        "  code: 'EADDRINUSE',\n"
        "  errno: -98,\n"
        "  syscall: 'listen',\n"
        "  address: '::',\n"
        f"  port: {port}\n"
        "}\n" + _footer()
    )


def econnrefused(address: str, port: int, at: str = "/app/src/config/database.js:21:5") -> str:
    """pg-pool failing to reach a database whose Service has no ready endpoints."""
    return (
        "/app/node_modules/pg-pool/index.js:45\n"
        "    Error.captureStackTrace(err)\n"
        "          ^\n"
        "\n"
        f"Error: connect ECONNREFUSED {address}:{port}\n"
        "    at /app/node_modules/pg-pool/index.js:45:11\n"
        "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n"
        f"    at async initDatabase ({at})\n"
        "    at async startServer (/app/src/server.js:62:3) {\n"
        "  errno: -111,\n"
        "  code: 'ECONNREFUSED',\n"
        "  syscall: 'connect',\n"
        f"  address: '{address}',\n"
        f"  port: {port}\n"
        "}\n" + _footer()
    )


def missing_env(variable: str, file: str = "/app/src/config/jwt.js", line: int = 6) -> str:
    return (
        f"{file}:{line}\n"
        f"  throw new Error('{variable} environment variable is required');\n"
        "  ^\n"
        "\n"
        f"Error: {variable} environment variable is required\n"
        f"    at Object.<anonymous> ({file}:{line}:9)\n"
        + "\n".join(_LOADER_FRAMES) + "\n"
        "    at Module.require (node:internal/modules/cjs/loader:1311:19)\n"
        "    at require (node:internal/modules/helpers:179:18)\n" + _footer()
    )


def unhandled_rejection(reason: str) -> str:
    """A promise rejected with a non-Error value and nobody catching it."""
    return (
        "node:internal/process/promises:391\n"
        "    triggerUncaughtException(err, true /* fromPromise */);\n"
        "    ^\n"
        "\n"
        "[UnhandledPromiseRejection: This error originated either by throwing inside of an async function "
        "without a catch block, or by rejecting a promise which was not handled with .catch(). The promise "
        f'rejected with the reason "{reason}".] {{\n'
        "  code: 'ERR_UNHANDLED_REJECTION'\n"
        "}\n" + _footer()
    )


def syntax_error(file: str, line: int, source_line: str, column: int, message: str,
                 required_from: str = "/app/src/server.js:12:21") -> str:
    return (
        f"{file}:{line}\n"
        f"{source_line}\n"
        f"{' ' * column}^\n"
        "\n"
        f"SyntaxError: {message}\n"
        "    at wrapSafe (node:internal/modules/cjs/loader:1378:20)\n"
        "    at Module._compile (node:internal/modules/cjs/loader:1428:41)\n"
        "    at Module._extensions..js (node:internal/modules/cjs/loader:1548:10)\n"
        "    at Module.load (node:internal/modules/cjs/loader:1288:32)\n"
        "    at Module._load (node:internal/modules/cjs/loader:1104:12)\n"
        "    at Module.require (node:internal/modules/cjs/loader:1311:19)\n"
        "    at require (node:internal/modules/helpers:179:18)\n"
        f"    at Object.<anonymous> ({required_from})\n" + _footer()
    )


def startup(service: str, port: int) -> str:
    """What a healthy TIKETI service prints when it comes up."""
    return (
        f"> {service}@1.0.0 start\n"
        "> node src/server.js\n"
        "\n"
        "✅ PostgreSQL connected (postgres-service:5432)\n"
        "✅ Redis connected (dragonfly-service:6379)\n"
        f"🚀 {service} running on port {port}\n"
    )
