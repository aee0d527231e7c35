"""Every table, imported in one place so metadata is complete for Alembic and tests."""

from pepper.auth.models import ApiClient
from pepper.complaints.models import Complaint, ImportRun, PhoneNumber
from pepper.db import Base

metadata = Base.metadata

__all__ = ["ApiClient", "Complaint", "ImportRun", "PhoneNumber", "metadata"]
