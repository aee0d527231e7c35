"""Every table, imported in one place so metadata is complete for Alembic and tests."""

from pepper.auth.models import ApiClient
from pepper.blocklist.models import BlocklistArtifact, BlocklistVersion
from pepper.carriers.twilio.models import Call, CallerStats, CallerSubscriber, Subscriber
from pepper.complaints.models import Complaint, ImportRun, PhoneNumber
from pepper.db import Base
from pepper.db.changes import Change
from pepper.devices.models import Device
from pepper.diagnostics.models import DecisionFeedback, FieldIssue
from pepper.jobs.models import Job, JobLock
from pepper.lists.models import ListEntry
from pepper.model.models import ActiveModel, ModelVersion
from pepper.reports.models import IdempotencyKey, Report
from pepper.reputation.models import AdminLabel, ReportCategory, ReputationCounter

metadata = Base.metadata

__all__ = [
    "ActiveModel",
    "AdminLabel",
    "ApiClient",
    "BlocklistArtifact",
    "BlocklistVersion",
    "Call",
    "CallerStats",
    "CallerSubscriber",
    "Change",
    "Complaint",
    "DecisionFeedback",
    "Device",
    "FieldIssue",
    "IdempotencyKey",
    "ImportRun",
    "Job",
    "JobLock",
    "ListEntry",
    "ModelVersion",
    "PhoneNumber",
    "Report",
    "ReportCategory",
    "ReputationCounter",
    "Subscriber",
    "metadata",
]
