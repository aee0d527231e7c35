"""Every table, imported in one place so metadata is complete for Alembic and tests."""

from pepper.auth.models import ApiClient
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
    "Complaint",
    "Device",
    "IdempotencyKey",
    "ImportRun",
    "ListEntry",
    "PhoneNumber",
    "Report",
    "ReportCategory",
    "ReputationCounter",
    "metadata",
]
