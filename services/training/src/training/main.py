"""The training app (`uvicorn --factory training.main:create_app`): its event store and relay; routes come later."""

from importlib.resources import files

from fastapi import FastAPI

from events.app import service_app
from training.api import articles as articles_api  # the knowledge base: articles, search, deflections
from training.api import courses as courses_api  # the course catalogue
from training.api import orientations as orientations_api  # the training policy, orientations owed and given
from training.api import sessions as sessions_api  # sessions, enrolment and waitlist, attendance, /me/training
from training.api import training_requests as training_requests_api  # training on request
from training.settings import Settings

MIGRATIONS = files("training") / "migrations"  # the service's own tables, beside its event store


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = service_app(settings, MIGRATIONS, title="training")
    app.include_router(orientations_api.router)
    app.include_router(courses_api.router)
    app.include_router(sessions_api.router)
    app.include_router(training_requests_api.router)
    app.include_router(articles_api.router)
    return app
