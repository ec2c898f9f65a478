"""The /mydata feature: shows, exports and deletes what every feature holds; runs retention."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from discord.ext import commands

from bot.checkins.retention import set_retention
from bot.checkins.store import CheckinStore
from bot.core import Core
from bot.faq.store import FaqStore
from bot.feature import Feature, Job, Route
from bot.mydata.cog import MyDataCog
from bot.privacy import MYDATA_IDS, DataHolder, MemberData, MemberFiles, PrivacyService
from bot.retention import RetentionJob

RETENTION_CHECK_SECONDS = 30.0  # the job itself runs at most hourly, by the bot's clock


class MyDataFeature(Feature):
    """``features`` returns the app's whole feature list: /mydata asks every one of them."""

    name = "mydata"

    def __init__(self, core: Core, features: Callable[[], Sequence[MemberData]], member_files: MemberFiles,
                 checkins: CheckinStore, faq_store: FaqStore) -> None:
        self.core = core
        self.saved_files = member_files
        self.service = PrivacyService(
            features, core.db.scrub, core.settings.question_retention_days,
            retention=lambda actor, keep: set_retention(checkins, actor, keep),
            today=lambda: core.clock.now().date().isoformat(),
        )
        self.retention = RetentionJob(core, checkins, faq_store)

    def cogs(self, bot: commands.Bot) -> Sequence[commands.Cog]:
        """The /mydata command."""
        return [MyDataCog(self.service)]

    def routes(self) -> Sequence[Route]:
        """Export and delete-confirmation buttons (``mydata:``)."""
        return [Route(MYDATA_IDS, self.service.handle_button)]

    def jobs(self) -> Sequence[Job]:
        """Retention: data past its promised keeping time is deleted (checked often, run hourly)."""
        return [Job("retention", self.retention_due, every=RETENTION_CHECK_SECONDS)]

    async def retention_due(self) -> None:
        """Run retention if an hour has passed since it last ran."""
        await self.retention.due(self.core.clock.now())

    async def start(self) -> None:
        """Minimise old unanswered questions and delete what is past its keeping time."""
        await self.retention.minimise_old_questions()
        await self.retention.run(self.core.clock.now())

    def member_data(self) -> Sequence[DataHolder]:
        """Files the bot saved for the member on this machine (the console's charts and exports)."""
        return [DataHolder("Saved files", self.saved_files.describe, self.saved_files.delete,
                           export=self.saved_files.export)]
