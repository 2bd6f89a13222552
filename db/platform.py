"""The 12345 platform's storage: its API keys (``ApiKeyRepository``) and what it reads of the
complaints it filed (``FiledQueries``), and the operational counts ``/metrics`` shows
(``MetricsQueries``).

A platform's complaints are those whose enterprise is ``http:NAME`` or ``http:NAME/ACCOUNT``
(``bot.domain.records.reference_scope``): one query over the enterprises of that name, with
``LIKE 'NAME/%'`` (the name is escaped; names hold no ``/`` of their own).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, distinct, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.api_keys import ApiKey
from bot.domain.records import Complaint, Event, EventKind, Status
from bot.errors import YousuError
from bot.ports import FiledFilter, OperationalCounts
from db.models import ApiKeyRow, ComplaintRow, EnterpriseRow, EventRow, OutboxRow, SlaClockRow
from db.repositories import _complaint, _record, _table

_OPEN = [s.value for s in Status if s.is_open]


class DuplicateApiKey(YousuError):
    code = "duplicate_api_key"
    http_status = 409

    def __init__(self, name: str) -> None:
        super().__init__(
            f"名称为 {name} 的密钥已存在（可先吊销：yousu apikeys revoke {name}）",
            f"an active key named {name} exists (revoke it first)",
        )


class SqlApiKeys:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, key: ApiKey) -> ApiKey:
        row = ApiKeyRow(
            name=key.name,
            key_hash=key.key_hash,
            created_at=key.created_at,
            callback_url=key.callback_url,
            signing_secret=key.signing_secret,
            revoked_at=key.revoked_at,
        )
        self._session.add(row)
        try:
            await self._session.flush()
        except IntegrityError as exc:
            raise DuplicateApiKey(key.name) from exc
        key.id = row.id
        return key

    async def _one(self, *criteria: Any) -> ApiKey | None:
        row = (
            await self._session.execute(
                select(ApiKeyRow).where(ApiKeyRow.revoked_at.is_(None), *criteria)
            )
        ).scalar()
        return None if row is None else _record(row, ApiKey)

    async def active_by_hash(self, key_hash: str) -> ApiKey | None:
        return await self._one(ApiKeyRow.key_hash == key_hash)

    async def active_by_name(self, name: str) -> ApiKey | None:
        return await self._one(ApiKeyRow.name == name)

    async def all(self) -> list[ApiKey]:
        rows = (
            await self._session.execute(select(ApiKeyRow).order_by(ApiKeyRow.name, ApiKeyRow.id))
        ).scalars()
        return [_record(row, ApiKey) for row in rows]

    async def save(self, key: ApiKey) -> ApiKey:
        await self._session.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.id == key.id)
            .values(callback_url=key.callback_url, revoked_at=key.revoked_at)
            .execution_options(synchronize_session=False)
        )
        return key


def _like_prefix(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "/%"


class SqlFiledQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def filed_by(
        self,
        channel: str,
        platform: str,
        account: str | None,
        where: FiledFilter,
        limit: int,
    ) -> list[Complaint]:
        if account is None:
            filer = or_(
                EnterpriseRow.external_id == platform,
                EnterpriseRow.external_id.like(_like_prefix(platform), escape="\\"),
            )
        else:
            filer = EnterpriseRow.external_id == f"{platform}/{account}"
        criteria: list[Any] = [EnterpriseRow.channel == channel, filer]
        if where.start is not None:
            criteria.append(ComplaintRow.created_at >= where.start)
        if where.end is not None:
            criteria.append(ComplaintRow.created_at <= where.end)
        if where.updated_after is not None:
            # a supervision or a follow-up changes no column of the complaint: its event does
            changed = select(EventRow.complaint_id).where(
                EventRow.at > where.updated_after,
                EventRow.kind.in_([k.value for k in where.changes]),
            )
            criteria.append(
                or_(ComplaintRow.updated_at > where.updated_after, ComplaintRow.id.in_(changed))
            )
        if where.open is True:
            criteria.append(ComplaintRow.status.in_(_OPEN))
        elif where.open is False:
            criteria.append(ComplaintRow.status.not_in(_OPEN))
        # plain rows, not ORM instances: a list of 1000 reads in a fraction of the time
        statement = (
            select(*_table(ComplaintRow).c)
            .join(EnterpriseRow, EnterpriseRow.id == ComplaintRow.enterprise_id)
            .where(and_(*criteria))
            .order_by(ComplaintRow.created_at.desc(), ComplaintRow.id.desc())
            .limit(limit)
        )
        rows = (await self._session.execute(statement)).all()
        return [_complaint(row) for row in rows]

    async def latest_events(
        self, complaint_ids: Sequence[int], kinds: Sequence[EventKind]
    ) -> dict[int, Event]:
        if not complaint_ids:
            return {}
        newest = (
            select(func.max(EventRow.id))
            .where(
                EventRow.complaint_id.in_(list(complaint_ids)),
                EventRow.kind.in_([k.value for k in kinds]),
            )
            .group_by(EventRow.complaint_id)
        )
        rows = await self._session.execute(
            select(*_table(EventRow).c).where(EventRow.id.in_(newest))
        )
        return {
            r.complaint_id: Event(
                r.complaint_id, EventKind(r.kind), r.actor, r.at, r.reason, dict(r.data), r.id
            )
            for r in rows.all()
        }


class SqlMetricsQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _scalar(self, statement: Any) -> int:
        return int((await self._session.execute(statement)).scalar_one() or 0)

    async def _per_channel(self, *criteria: Any) -> dict[str, int]:
        rows = await self._session.execute(
            select(OutboxRow.channel, func.count()).where(*criteria).group_by(OutboxRow.channel)
        )
        return {str(channel): int(count) for channel, count in rows.all()}

    async def counts(self) -> OperationalCounts:
        pending = (OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None))
        return OperationalCounts(
            filed=await self._scalar(select(func.count()).select_from(ComplaintRow)),
            routed=await self._scalar(
                select(func.count())
                .select_from(ComplaintRow)
                .where(ComplaintRow.lead_unit.is_not(None))
            ),
            breached=await self._scalar(
                select(func.count(distinct(SlaClockRow.complaint_id))).where(
                    SlaClockRow.breached_at.is_not(None)
                )
            ),
            outbox_pending=await self._per_channel(*pending),
            outbox_retrying=await self._per_channel(*pending, OutboxRow.attempts > 0),
            outbox_failed=await self._per_channel(OutboxRow.failed_at.is_not(None)),
        )
