"""The OpenAPI 3.1 description of the HTTP API, served at `/api/openapi.json`."""

from __future__ import annotations

from typing import Any

_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
_OBJ: dict[str, Any] = {"type": "object"}
_ERR = {
    "description": "error: {v, type: error, code, message}",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _op(summary: str, ok: str, *params: dict[str, Any], body: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "security": [{"bearer": []}, {"token": []}],
        "parameters": list(params),
        "responses": {
            "200": {"description": ok, "content": {"application/json": {"schema": _OBJ}}},
            "401": {"description": "missing or unknown token"},
            "404": _ERR,
        },
    }
    if body is not None:
        ref = {"$ref": f"#/components/schemas/{body}"}
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref}}}
        op["responses"]["400"] = _ERR
        op["responses"]["403"] = _ERR
        op["responses"]["409"] = _ERR
    return op


def _query(name: str, kind: str, text: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": {"type": kind},
        "description": text,
    }


_MEDIA_PARAMS = (
    _ID,
    {
        "name": "kind",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": ["snapshot", "clip"]},
    },
    {"name": "n", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}},
)

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "firegrid alerts API",
        "version": "1",
        "description": "Incidents, their timelines and media, actions and commands. The same "
        "stream is pushed live over the WebSocket `/ws` (see docs/protocol.md).",
    },
    "paths": {
        "/api/me": {"get": _op("The caller's principal", "{v, principal}")},
        "/api/events": {
            "get": _op(
                "A page of the event stream after `since`, filtered to the caller",
                "{v, events, through, last_seq}; resume with since=through",
                _query("since", "integer", "last seq the caller has"),
                _query("limit", "integer", "events read from the stream (max 5000)"),
            )
        },
        "/api/incidents": {
            "get": _op(
                "Incidents the caller may see, newest first",
                "{v, incidents}",
                _query("open", "boolean", "only incidents not resolved"),
            )
        },
        "/api/incidents/{id}": {"get": _op("One incident", "{v, incident}", _ID)},
        "/api/incidents/{id}/timeline": {
            "get": _op("The incident's events in seq order", "{v, incident_id, events}", _ID)
        },
        "/api/incidents/{id}/{kind}/{n}": {
            "get": _op("Snapshot (JPEG) or clip (MP4) number n", "the file", *_MEDIA_PARAMS)
        },
        "/api/incidents/{id}/actions": {
            "post": _op("Take an incident action", "{v, events}", _ID, body="ActionRequest")
        },
        "/api/commands": {
            "post": _op("Run a registered command", "{v, data}", body="CommandRequest")
        },
        # Served by the application (`firegrid.app`), dispatch (`dispatch.routes`) and the
        # ingest (`video.ingest.routes`).
        "/api/township": {
            "get": _op(
                "The township's name and its cameras", "{v, name, name_en, township, cameras}"
            )
        },
        "/api/incidents/{id}/recommendation": {
            "get": _op("Dispatch's ranked teams for the incident, as of now", "Recommendation", _ID)
        },
        "/api/incidents/{id}/dispatch": {
            "get": _op("The call-up's measures: first accept, arrivals", "IncidentMeasures", _ID)
        },
        "/api/teams": {
            "get": _op(
                "Teams of the caller's scope with availability and position; a responder "
                "gets their own team",
                "{v, teams}",
            )
        },
        "/api/coverage": {
            "get": {
                **_op(
                    "Per leaf cell of the caller's scope: cameras online and the fastest "
                    "available team's ETA",
                    "CoverageReport",
                ),
                "description": "403 for responders",
            }
        },
        "/api/cameras/status": {
            "get": _op(
                "Health of the cameras in the caller's scope (state, rates, counters); a "
                "responder gets none",
                "{cameras}",
            )
        },
    },
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "token": {"type": "apiKey", "in": "query", "name": "token"},
        },
        "schemas": {
            "ActionRequest": {
                "type": "object",
                "required": ["v", "action"],
                "properties": {
                    "v": {"const": 1},
                    "action": {
                        "enum": [
                            "verify",
                            "false_alarm",
                            "dispatch",
                            "respond",
                            "arrive",
                            "resolve",
                            "assign",
                        ]
                    },
                    "data": {"type": "object", "description": "outcome, teams, note"},
                },
            },
            "CommandRequest": {
                "type": "object",
                "required": ["v", "name"],
                "properties": {
                    "v": {"const": 1},
                    "name": {"type": "string"},
                    "incident_id": {"type": ["string", "null"]},
                    "data": {"type": "object"},
                },
            },
            "Error": {
                "type": "object",
                "properties": {
                    "v": {"const": 1},
                    "type": {"const": "error"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
