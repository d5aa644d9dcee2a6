"""Imports every part's tables, so that Alembic and ``db.metadata`` see them all."""

from hub.announcements import models as announcements_models
from hub.auth import models as auth_models
from hub.core import models as core_models
from hub.core import ratelimit as core_ratelimit
from hub.digests import models as digests_models
from hub.directory import models as directory_models
from hub.forum import models as forum_models
from hub.inbound import models as inbound_models
from hub.mail import models as mail_models
from hub.material import models as material_models
from hub.meetings import models as meetings_models
from hub.notifications import models as notifications_models
from hub.site import models as site_models

__all__ = [
    "announcements_models",
    "auth_models",
    "core_models",
    "core_ratelimit",
    "digests_models",
    "directory_models",
    "forum_models",
    "inbound_models",
    "mail_models",
    "material_models",
    "meetings_models",
    "notifications_models",
    "site_models",
]
