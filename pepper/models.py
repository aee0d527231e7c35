"""Every table, imported in one place so metadata is complete for Alembic and tests."""

from pepper.auth.models import ApiClient
from pepper.carriers.twilio.models import Call, CallerStats, CallerSubscriber, Subscriber
from pepper.complaints.models import Complaint, ImportRun, PhoneNumber
from pepper.db import Base
from pepper.devices.models import Device
from pepper.lists.models import ListEntry
from pepper.reports.models import IdempotencyKey, Report
from pepper.reputation.models import AdminLabel, ReportCategory, ReputationCounter

metadata = Base.metadata

__all__ = [
    "AdminLabel",
    "ApiClient",
    "Call",
    "CallerStats",
    "CallerSubscriber",
    "Complaint",
    "Device",
    "IdempotencyKey",
    "ImportRun",
    "ListEntry",
    "PhoneNumber",
    "Report",
    "ReportCategory",
    "ReputationCounter",
    "Subscriber",
    "metadata",
]
