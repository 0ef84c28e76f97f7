"""The OpenAPI schema says what the running mode asks for.

Routes declare bearer auth (so ``/docs`` of a team server has its Authorize button); a local-mode
server asks for no credentials, so its schema must not claim it does.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

__all__ = ["drop_security"]


def drop_security(app: FastAPI) -> None:
    """Serve ``app``'s schema without security requirements or schemes (local mode)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    operation.pop("security", None)
            schema.get("components", {}).pop("securitySchemes", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
