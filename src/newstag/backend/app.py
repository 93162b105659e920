"""The HTTP contract Label Studio 1.23 calls on an ML backend (`ml/api_connector.py` there):

- GET /health -> {"status": "UP", ...}; LS marks the backend disconnected otherwise.
- POST /setup {project: "<id>.<created>", schema, ...} -> {"model_version"}; LS calls it before
  each batch of predictions and, when the version changed, asks for fresh predictions.
- POST /predict {tasks: [...], project, label_config, params} -> {"results": [one prediction per
  task: {result, score, model_version}]}.
- POST /webhook {action, annotation(s), task, project}: LS registers this webhook for every action
  when the backend is connected; annotation events count towards the next retrain.
- POST /train (LS's "Start training" button) retrains now, as does our POST /retrain;
  GET /status tells the served version and the last retrain's outcome.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Annotated

from fastapi import Body, FastAPI, HTTPException
from fastapi.responses import JSONResponse

from newstag.annotate.fields import check_tasks
from newstag.backend.live import LiveModel
from newstag.errors import NewstagError

Payload = Annotated[dict, Body()]
MAX_BODY_BYTES = 8 * 2**20
"""A predict call carries a few tasks of one sentence each (kilobytes); a larger body is
refused (413) before it is read, so it cannot stall the server for the other clients."""
MAX_TASKS_PER_REQUEST = 1000
"""Label Studio asks for one task, or a page of them; more would hold up every other request."""
ANNOTATION_EVENTS = {"ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_CREATED"}


def create_app(live: LiveModel, remember_project: Callable[[int], None] = lambda project: None) -> FastAPI:
    app = FastAPI(title="newstag ML backend", docs_url=None, redoc_url=None)
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)

    @app.get("/")
    @app.get("/health")
    def health():
        if not live.healthy:  # a prediction worker died: DOWN until fresh workers have started
            return JSONResponse({"status": "DOWN", "model_version": live.model_version}, status_code=503)
        return {"status": "UP", "model_class": "newstag", "model_version": live.model_version}

    @app.post("/setup")
    def setup(request: Payload) -> dict:
        _remember(remember_project, request.get("project"))
        return {"model_version": live.model_version}

    @app.post("/predict")
    def predict(request: Payload):
        _remember(remember_project, request.get("project"))
        try:
            tasks = check_tasks(request.get("tasks", []), "", "send tasks as Label Studio does")
            if len(tasks) > MAX_TASKS_PER_REQUEST:
                return JSONResponse(
                    {"error": f"{len(tasks)} tasks in one request; send at most {MAX_TASKS_PER_REQUEST}"},
                    status_code=413,
                )
            results = live.predict(tasks)
        except NewstagError as error:
            return _bad_request(str(error))
        return {"results": results, "model_version": live.model_version}

    @app.post("/webhook")
    def webhook(request: Payload) -> dict:
        action = request.get("action")
        project = request.get("project")
        _remember(remember_project, project.get("id") if isinstance(project, dict) else None)
        started = False
        if action in ANNOTATION_EVENTS:
            annotations = request.get("annotations")
            started = live.annotated(len(annotations) if isinstance(annotations, list) else 1)
        elif action == "START_TRAINING":
            started = live.retrain("Label Studio asked to start training")
        return {"action": action, "retraining": started, **live.status()}

    @app.post("/train")
    def train(request: Annotated[dict | None, Body()] = None) -> dict:
        return {"retraining": live.retrain("Label Studio asked to train"), **live.status()}

    @app.post("/retrain")
    def retrain() -> dict:
        return {"retraining": live.retrain("newstag retrain"), **live.status()}

    @app.get("/status")
    def status() -> dict:
        return live.status()

    @app.get("/versions")
    def versions() -> dict:
        return {"versions": [live.model_version]}

    return app


def _bad_request(reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=400)


class BodyLimit:
    """ASGI middleware: 413 for a body over `limit` bytes, by its Content-Length before
    reading, or as it streams in when it has none (chunked)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.limit:
            response = JSONResponse({"error": _too_large_reason(self.limit)}, status_code=413)
            return await response(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:  # FastAPI passes an HTTPException on, any other becomes a 400
                raise HTTPException(413, _too_large_reason(self.limit))
            return message

        await self.app(scope, limited_receive, send)


def _too_large_reason(limit: int) -> str:
    return f"request body over {limit // 2**20} MB; send fewer tasks at once"


def _remember(remember: Callable[[int], None], project) -> None:
    """Label Studio names a project "<id>.<created timestamp>" in setup and predict calls."""
    with contextlib.suppress(TypeError, ValueError):
        remember(int(str(project).split(".")[0]))
