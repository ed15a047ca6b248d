"""Plans that last: a database of plans and their immutable versions, with an audit log.

SQLite by default (one file, ``territory.sqlite`` in the data directory: ``$TERRITORY_DATA_DIR`` or ``var/``
beside the code), PostgreSQL when ``TERRITORY_DATABASE_URL`` (or ``url=``) says so. The schema is made and
upgraded by Alembic (``territory/migrations``) when a store is opened.

A plan has a lifecycle like Salesforce's territory models — draft, active (one at a time), archived — and every
save is a new immutable version (author, time, message, the plan, its region → territory alignment and, when
given, the account assignments). Saves are optimistic: a save names the version it was based on and is refused
with :class:`VersionConflict` when someone else saved in between; each save is one transaction, so a failure
half-way leaves the previous version as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event

from territory.formatting import counted
from territory.model import Plan, plan_from_dict

__all__ = [
    "PlanStore",
    "PlanRecord",
    "PlanVersion",
    "VersionConflict",
    "PlanNotFound",
    "StoreError",
    "WorkingCopy",
    "default_database_url",
    "keep_upload",
    "kept_upload",
    "metadata",
    "unused_name",
]

STATUSES = ("draft", "active", "archived")
ROOT = Path(__file__).resolve().parent.parent

metadata = sa.MetaData()
plans_table = sa.Table(
    "plans",
    metadata,
    sa.Column("plan_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("current_version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("restored_from_plan", sa.Integer, nullable=True),
    sa.Column("restored_from_version", sa.Integer, nullable=True),
)
versions_table = sa.Table(
    "plan_versions",
    metadata,
    sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.plan_id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("base_version", sa.Integer, nullable=True),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("accounts", sa.Integer, nullable=True),
)
alignment_table = sa.Table(
    "version_alignment",
    metadata,
    sa.Column("plan_id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("region_id", sa.String(64), primary_key=True),
    sa.Column("territory_id", sa.String(64), primary_key=True),
)
assignments_table = sa.Table(
    "version_assignments",
    metadata,
    sa.Column("plan_id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.String(128), primary_key=True),
    sa.Column("territory_id", sa.String(64), nullable=True),
    sa.Column("rep_id", sa.String(64), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
)
audit_table = sa.Table(
    "audit_log",
    metadata,
    sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("plan_id", sa.Integer, nullable=True),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)


class StoreError(Exception):
    """A store operation that cannot be done; the message says why and what to do."""


class PlanNotFound(StoreError, KeyError):
    """No plan (or version) with that id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class VersionConflict(StoreError):
    """Someone saved the plan after the version this save was based on.

    Attributes
    ----------
    plan_id : int
    base_version : int
        The version the refused save started from.
    current_version : int
        The newest version in the store (the other manager's).
    """

    def __init__(self, plan_id: int, base_version: int, current_version: int, author: str):
        self.plan_id, self.base_version, self.current_version, self.author = (
            plan_id,
            base_version,
            current_version,
            author,
        )
        super().__init__(
            f"plan {plan_id} was saved as version {current_version} by {author} after version {base_version}, "
            "which this save started from; review their changes, then merge them or save as a new draft"
        )


@dataclass(frozen=True)
class PlanRecord:
    """A plan as the list shows it."""

    plan_id: int
    name: str
    status: str
    current_version: int
    created_at: datetime
    updated_at: datetime
    restored_from: tuple[int, int] | None = None


@dataclass(frozen=True)
class PlanVersion:
    """One saved version (immutable)."""

    plan_id: int
    version: int
    author: str
    message: str
    created_at: datetime
    base_version: int | None
    plan: Plan
    accounts: int | None = None


@dataclass(frozen=True)
class WorkingCopy:
    """A session's unsaved plan, kept so that a reload of the browser does not lose it."""

    session_key: str
    plan_id: int | None
    version: int | None
    author: str
    updated_at: datetime
    plan: Plan
    accounts_source: str | None = None  # the accounts file the tab had loaded (not kept itself), None: the demo's


def default_database_url() -> str:
    """``$TERRITORY_DATABASE_URL``, else SQLite in ``$TERRITORY_DATA_DIR`` (default ``var/`` beside the code)."""
    url = os.environ.get("TERRITORY_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{_data_dir() / 'territory.sqlite'}"


def _data_dir() -> Path:
    return Path(os.environ.get("TERRITORY_DATA_DIR") or ROOT / "var")


#: How many uploaded files the data directory keeps (the oldest go first).
KEPT_UPLOADS = 20


def keep_upload(data: bytes, folder: Path | None = None) -> str:
    r"""Keep an uploaded file's bytes in the data directory's ``uploads/`` (or ``folder``), named by their SHA-256.

    A browser reload starts a new session: the accounts file a tab had loaded was gone, and every figure read the
    demo's accounts (a review at 150,000 accounts: a balance score of 0.031). The session keeps the name, and reads
    the file back with :func:`kept_upload`. Written in one step (a reader never sees half a file); the oldest
    beyond :data:`KEPT_UPLOADS` are removed.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> digest = keep_upload(b"id,lat,lon\n1,40,-74\n", folder)
    >>> len(digest), kept_upload(digest, folder), kept_upload("0" * 64, folder), kept_upload("../x", folder)
    (64, b'id,lat,lon\n1,40,-74\n', None, None)
    """
    from territory.textfiles import write_bytes_atomic

    digest = hashlib.sha256(data).hexdigest()
    folder = folder or _data_dir() / "uploads"
    path = folder / digest
    if kept_upload(digest, folder) is not None:  # (the newest again; a copy that no longer reads is written anew)
        return digest
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # (customers' files: for the app alone, not every user of the machine, as it is written too)
    write_bytes_atomic(path, data, mode=0o600)
    path.chmod(0o600)
    kept = []
    for entry in folder.iterdir():
        try:
            if len(entry.name) == 64 and entry.is_file():
                kept.append((entry.stat().st_mtime, entry))
        except OSError:  # (removed meanwhile, by another session's pruning)
            continue
    for _, old in sorted(kept)[:-KEPT_UPLOADS]:
        if old != path:
            old.unlink(missing_ok=True)
    return digest


def kept_upload(digest: str, folder: Path | None = None) -> bytes | None:
    """The bytes :func:`keep_upload` kept under ``digest``; None when they are gone (or the name is no digest)."""
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        return None
    path = (folder or _data_dir() / "uploads") / digest
    try:
        data = path.read_bytes()
        path.touch()  # (read: the newest, so a file in use is not the first pruned)
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == digest else None


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def plan_content(plan: Plan) -> str:
    """The plan as stable JSON text (sorted keys): equal plans give equal text and hash."""
    return json.dumps(plan.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _alignment_rows(plan_id: int, version: int, plan: Plan) -> list[dict]:
    rows = {(r, t.territory_id) for t in plan.territories for r in t.region_ids}
    return [{"plan_id": plan_id, "version": version, "region_id": r, "territory_id": t} for r, t in sorted(rows)]


def _assignment_rows(plan_id: int, version: int, assignments: pd.DataFrame | None) -> list[dict]:
    if assignments is None or assignments.empty:
        return []
    frame = pd.DataFrame(
        {
            "plan_id": plan_id,
            "version": version,
            "account_id": assignments["account_id"].astype(str).to_numpy(),
            "territory_id": assignments["territory_id"].astype(object).where(assignments["territory_id"].notna(), None),
            "rep_id": assignments["rep_id"].astype(object).where(assignments["rep_id"].notna(), None),
            "status": assignments["status"].astype(str).to_numpy(),
            "value": assignments["value"].astype(float).fillna(0.0).to_numpy() if "value" in assignments else 0.0,
        }
    )
    return frame.to_dict("records")


working_table = sa.Table(
    "working_copies",
    metadata,
    sa.Column("session_key", sa.String(64), primary_key=True),
    sa.Column("plan_id", sa.Integer, nullable=True),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("accounts_source", sa.String(300), nullable=True),
)
WORKING_COPY_DAYS = 30  # unsaved edits are kept this long after their last change
settings_table = sa.Table(
    "session_settings",
    metadata,
    sa.Column("session_key", sa.String(64), primary_key=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
)


class PlanStore:
    """Plans, versions and the audit log in a SQL database.

    Parameters
    ----------
    url : str, optional
        A SQLAlchemy URL (``sqlite:///path.sqlite``, ``postgresql+psycopg://user@host/db``); default
        :func:`default_database_url`.
    migrate : bool, default True
        Create or upgrade the schema (Alembic) on opening.

    Examples
    --------
    >>> import tempfile
    >>> from territory import plan_from_dict
    >>> store = PlanStore(f"sqlite:///{tempfile.mkdtemp()}/plans.sqlite")
    >>> first = store.create_plan(plan_from_dict({"name": "FY27", "territories": [], "reps": []}), author="ana")
    >>> second = store.save(first.plan_id, first.plan, base_version=1, author="ana", message="no change")
    >>> [v.version for v in store.versions(first.plan_id)]
    [1, 2]
    >>> store.save(first.plan_id, first.plan, base_version=1, author="bo", message="late")
    Traceback (most recent call last):
    ...
    territory.store.VersionConflict: plan 1 was saved as version 2 by ana after version 1, which this save ...
    """

    def __init__(self, url: str | None = None, *, migrate: bool = True):
        self.url = url or default_database_url()
        self.engine = _make_engine(self.url)
        if migrate:
            self.migrate()

    # -- schema ---------------------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Bring the schema to the newest migration (creates the tables in a new database)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(Path(__file__).resolve().parent / "migrations"))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    # -- reading ----------------------------------------------------------------------------------------------
    def plans(self, status: str | None = None) -> list[PlanRecord]:
        """Every plan (newest first), or those with ``status``."""
        query = sa.select(plans_table).order_by(plans_table.c.updated_at.desc(), plans_table.c.plan_id.desc())
        if status is not None:
            query = query.where(plans_table.c.status == status)
        with self.engine.connect() as connection:
            return [_record(row) for row in connection.execute(query)]

    def plan_record(self, plan_id: int) -> PlanRecord:
        """One plan's record (PlanNotFound naming the known ids)."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(plans_table).where(plans_table.c.plan_id == plan_id)).first()
            if row is None:
                known = [r.plan_id for r in connection.execute(sa.select(plans_table.c.plan_id))]
                raise PlanNotFound(f"no plan {plan_id} in the store; known: {known or 'none'}")
        return _record(row)

    def active_plan(self) -> PlanRecord | None:
        """The active plan, if one is."""
        found = self.plans("active")
        return found[0] if found else None

    def versions(self, plan_id: int) -> list[PlanVersion]:
        """Every version of a plan, oldest first."""
        self.plan_record(plan_id)
        query = sa.select(versions_table).where(versions_table.c.plan_id == plan_id).order_by(versions_table.c.version)
        with self.engine.connect() as connection:
            return [_version(row) for row in connection.execute(query)]

    def load(self, plan_id: int, version: int | None = None) -> PlanVersion:
        """A version of a plan (the newest when ``version`` is None)."""
        record = self.plan_record(plan_id)
        version = record.current_version if version is None else version
        query = sa.select(versions_table).where(
            (versions_table.c.plan_id == plan_id) & (versions_table.c.version == version)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            raise PlanNotFound(f"plan {plan_id} has no version {version}; it has 1..{record.current_version}")
        return _version(row)

    def assignments(self, plan_id: int, version: int) -> pd.DataFrame:
        """The account assignments saved with a version (empty when none were)."""
        query = (
            sa.select(assignments_table)
            .where((assignments_table.c.plan_id == plan_id) & (assignments_table.c.version == version))
            .order_by(assignments_table.c.account_id)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        columns = ["account_id", "territory_id", "rep_id", "status", "value"]
        return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns).astype(
            {"account_id": object, "territory_id": object, "rep_id": object, "status": object}
        )

    def alignment(self, plan_id: int, version: int) -> pd.DataFrame:
        """``region_id, territory_id`` as saved with a version."""
        query = (
            sa.select(alignment_table.c.region_id, alignment_table.c.territory_id)
            .where((alignment_table.c.plan_id == plan_id) & (alignment_table.c.version == version))
            .order_by(alignment_table.c.region_id, alignment_table.c.territory_id)
        )
        with self.engine.connect() as connection:
            return pd.DataFrame(connection.execute(query).all(), columns=["region_id", "territory_id"])

    def audit(self, plan_id: int | None = None) -> pd.DataFrame:
        """The audit log (oldest first): ``at, plan_id, version, actor, action, detail``."""
        query = sa.select(audit_table).order_by(audit_table.c.entry_id)
        if plan_id is not None:
            query = query.where(audit_table.c.plan_id == plan_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        columns = ["at", "plan_id", "version", "actor", "action", "detail"]
        return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)

    # -- writing ----------------------------------------------------------------------------------------------
    def create_plan(
        self,
        plan: Plan,
        *,
        author: str,
        message: str = "Created",
        assignments: pd.DataFrame | None = None,
        restored_from: tuple[int, int] | None = None,
        unique_name: bool = False,
    ) -> PlanVersion:
        """A new draft plan whose version 1 is ``plan``.

        Parameters
        ----------
        plan : Plan
        author, message : str
        assignments : DataFrame, optional
            As :meth:`save` takes them.
        restored_from : (int, int), optional
            The plan and version it is a copy of (the plans list says so).
        unique_name : bool, default False
            Number the name when a stored plan has it already (:func:`unused_name`: "FY27 (copy)" → "FY27 (copy
            2)"), so that the plans list tells the new draft from the others; the version's plan has that name.
        """
        author = _who(author)
        now = _now()
        with self._transaction() as connection:
            if unique_name:
                taken = connection.execute(sa.select(plans_table.c.name)).scalars().all()
                name = unused_name(plan.name, taken)
                if name != plan.name:
                    plan = replace(plan, name=name)
            plan_id = connection.execute(
                plans_table.insert().values(
                    name=plan.name[:200],
                    status="draft",
                    current_version=0,
                    created_at=now,
                    updated_at=now,
                    restored_from_plan=restored_from[0] if restored_from else None,
                    restored_from_version=restored_from[1] if restored_from else None,
                )
            ).inserted_primary_key[0]
            version = self._write_version(connection, plan_id, 1, None, plan, author, message, assignments, now)
            self._log(connection, plan_id, 1, author, "restore" if restored_from else "create", message)
        return version

    def save(
        self,
        plan_id: int,
        plan: Plan,
        *,
        base_version: int,
        author: str,
        message: str,
        assignments: pd.DataFrame | None = None,
        edits: Sequence[str | tuple[datetime, str]] = (),
    ) -> PlanVersion:
        """Save ``plan`` as the next version of ``plan_id``.

        Parameters
        ----------
        plan_id : int
        plan : Plan
        base_version : int
            The version the edits started from; the save is refused when it is no longer the newest.
        author, message : str
        assignments : DataFrame, optional
            ``account_id, territory_id, rep_id, status, value`` of every account, kept with the version (for
            diffs and CRM exports).
        edits : sequence of str or of (datetime, str), optional
            The session's edits since its last save, logged (action ``edit``, on ``base_version``) with the save
            and only with it: a refused save logs none. Each at the time given with it (when it was made), else at
            the save's.

        Raises
        ------
        VersionConflict
            Another save came first; nothing was written.
        StoreError
            The plan is archived (restore it as a new draft to change it).
        """
        author = _who(author)
        if not str(message).strip():
            raise StoreError("a save needs a message saying what changed")
        now = _now()
        with self._transaction() as connection:
            row = connection.execute(self._lock(plan_id)).first()
            if row is None:
                raise PlanNotFound(f"no plan {plan_id} in the store")
            if row.status == "archived":
                raise StoreError(f"plan {plan_id} is archived; restore one of its versions as a new draft to edit it")
            if row.current_version != base_version:
                last = connection.execute(
                    sa.select(versions_table.c.author).where(
                        (versions_table.c.plan_id == plan_id) & (versions_table.c.version == row.current_version)
                    )
                ).scalar_one()
                raise VersionConflict(plan_id, base_version, row.current_version, last)
            for edit in edits:
                at, detail = edit if isinstance(edit, tuple) else (None, edit)
                self._log(connection, plan_id, base_version, author, "edit", detail, at=at)
            version = self._write_version(
                connection, plan_id, base_version + 1, base_version, plan, author, message, assignments, now
            )
            self._log(connection, plan_id, version.version, author, "save", message)
        return version

    def activate(self, plan_id: int, *, author: str) -> PlanRecord:
        """Make a plan the active one; the plan active before is archived."""
        author = _who(author)
        with self._transaction() as connection:
            row = connection.execute(self._lock(plan_id)).first()
            if row is None:
                raise PlanNotFound(f"no plan {plan_id} in the store")
            if row.status == "archived":
                raise StoreError(f"plan {plan_id} is archived; restore it as a new draft, then activate that")
            if row.status != "active":
                previous = connection.execute(
                    sa.select(plans_table.c.plan_id).where(plans_table.c.status == "active")
                ).scalar()
                if previous is not None:
                    connection.execute(
                        plans_table.update()
                        .where(plans_table.c.plan_id == previous)
                        .values(status="archived", updated_at=_now())
                    )
                    self._log(connection, previous, None, author, "archive", f"replaced by plan {plan_id}")
                connection.execute(
                    plans_table.update()
                    .where(plans_table.c.plan_id == plan_id)
                    .values(status="active", updated_at=_now())
                )
                self._log(connection, plan_id, row.current_version, author, "activate", "")
        return self.plan_record(plan_id)

    def archive(self, plan_id: int, *, author: str) -> PlanRecord:
        """Archive a plan (kept, read-only)."""
        author = _who(author)
        with self._transaction() as connection:
            row = connection.execute(self._lock(plan_id)).first()
            if row is None:
                raise PlanNotFound(f"no plan {plan_id} in the store")
            if row.status != "archived":
                connection.execute(
                    plans_table.update()
                    .where(plans_table.c.plan_id == plan_id)
                    .values(status="archived", updated_at=_now())
                )
                self._log(connection, plan_id, row.current_version, author, "archive", "")
        return self.plan_record(plan_id)

    def delete_plan(self, plan_id: int, *, author: str) -> str:
        """Delete a plan that is not active, with all its versions; returns its name.

        The audit log keeps its entries and gains a ``delete`` entry (with the name and how many versions went).
        Plans restored from it keep their own versions (their "restored from" names a plan no longer there).

        Raises
        ------
        PlanNotFound
        StoreError
            The plan is the active one (activate another first: a team always has its active plan).
        """
        author = _who(author)
        with self._transaction() as connection:
            row = connection.execute(self._lock(plan_id)).first()
            if row is None:
                raise PlanNotFound(f"no plan {plan_id} in the store")
            if row.status == "active":
                raise StoreError(f"plan {plan_id} is the active plan; activate another plan first, then delete it")
            for table in (assignments_table, alignment_table, versions_table):
                connection.execute(table.delete().where(table.c.plan_id == plan_id))
            connection.execute(plans_table.delete().where(plans_table.c.plan_id == plan_id))
            self._log(connection, plan_id, row.current_version, author, "delete",
                      f"{row.name} ({counted(row.current_version, 'version')})")  # fmt: skip
        return row.name

    def restore(self, plan_id: int, version: int, *, author: str) -> PlanVersion:
        """A new draft plan made from an old version (the old plan is not changed).

        The draft is named after where it came from, numbered when that name is taken: "FY27 (v3 restored)", then
        "FY27 (v3 restored 2)" (three restores of one version read as three plans of one name in the list).
        """
        old = self.load(plan_id, version)
        assignments = self.assignments(plan_id, version)
        where = f" (v{version} restored)"
        return self.create_plan(
            replace(old.plan, name=old.plan.name.strip()[: 200 - len(where)] + where),
            unique_name=True,
            author=author,
            message=f"Restored from plan {plan_id} version {version}",
            assignments=assignments if len(assignments) else None,
            restored_from=(plan_id, version),
        )

    def log_edit(self, plan_id: int | None, *, actor: str, detail: str, version: int | None = None) -> None:
        """Record an edit made in a session (the audit log of edits between saves)."""
        with self._transaction() as connection:
            self._log(connection, plan_id, version, _who(actor), "edit", detail)

    # -- unsaved work ------------------------------------------------------------------------------------------
    def keep_working_copy(
        self,
        session_key: str,
        plan: Plan,
        *,
        plan_id: int | None,
        version: int | None,
        author: str,
        accounts_source: str | None = None,
    ) -> None:
        """Keep a session's unsaved plan (replacing what it kept before), based on ``(plan_id, version)``.

        Working copies untouched for :data:`WORKING_COPY_DAYS` days are dropped meanwhile. Not a version: it has
        no history and is not in the audit log. ``accounts_source``: the name of the accounts file the session had
        loaded, if not the demo's (the file is not kept; a reload can say to load it again).
        """
        key = _session_key(session_key)
        now = _now()
        row = {
            "session_key": key, "plan_id": plan_id, "version": version, "author": str(author or "")[:200],
            "updated_at": now, "content": plan_content(plan),
            "accounts_source": None if accounts_source is None else str(accounts_source)[:300],
        }  # fmt: skip
        with self._transaction() as connection:
            connection.execute(working_table.delete().where(working_table.c.session_key == key))
            connection.execute(
                working_table.delete().where(working_table.c.updated_at < now - timedelta(days=WORKING_COPY_DAYS))
            )
            connection.execute(working_table.insert().values(**row))

    def keep_settings(self, session_key: str, settings: Mapping[str, object]) -> None:
        """Keep a session's page settings (JSON values: the choices it made), replacing what it kept before.

        Settings untouched for :data:`WORKING_COPY_DAYS` days are dropped meanwhile.
        """
        key = _session_key(session_key)
        now = _now()
        content = json.dumps(dict(settings), sort_keys=True)
        with self._transaction() as connection:
            connection.execute(settings_table.delete().where(settings_table.c.session_key == key))
            connection.execute(
                settings_table.delete().where(settings_table.c.updated_at < now - timedelta(days=WORKING_COPY_DAYS))
            )
            connection.execute(settings_table.insert().values(session_key=key, updated_at=now, content=content))

    def settings(self, session_key: str) -> dict:
        """The page settings kept for ``session_key`` (empty when none, or when they cannot be read)."""
        query = sa.select(settings_table.c.content).where(settings_table.c.session_key == _session_key(session_key))
        with self.engine.connect() as connection:
            content = connection.execute(query).scalar()
        try:
            found = json.loads(content) if content else {}
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}

    def working_copy(self, session_key: str) -> WorkingCopy | None:
        """The unsaved plan kept for ``session_key``, if any."""
        query = sa.select(working_table).where(working_table.c.session_key == _session_key(session_key))
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else _working_copy(row)

    def working_copies(self) -> tuple[list[WorkingCopy], list[str]]:
        """Every session's kept unsaved plan, the latest changed first, and the keys of those that cannot be read.

        For finding work a closed tab left (its key is in no address any more).
        """
        query = sa.select(working_table).order_by(working_table.c.updated_at.desc(), working_table.c.session_key)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        copies, unreadable = [], []
        for row in rows:
            try:
                copies.append(_working_copy(row))
            except ValueError:  # (InputDataError is one: a copy no longer valid as a plan)
                unreadable.append(row.session_key)
        return copies, unreadable

    def drop_working_copy(self, session_key: str) -> None:
        """Forget a session's unsaved plan (saved, or discarded)."""
        with self._transaction() as connection:
            connection.execute(working_table.delete().where(working_table.c.session_key == _session_key(session_key)))

    # -- internals ---------------------------------------------------------------------------------------------
    def _transaction(self):
        return self.engine.begin()

    def _lock(self, plan_id: int):
        query = sa.select(plans_table.c.status, plans_table.c.current_version, plans_table.c.name).where(
            plans_table.c.plan_id == plan_id
        )
        return query.with_for_update() if self.engine.dialect.name != "sqlite" else query

    def _write_version(
        self, connection, plan_id, version, base, plan, author, message, assignments, now
    ) -> PlanVersion:
        content = plan_content(plan)
        connection.execute(
            versions_table.insert().values(
                plan_id=plan_id,
                version=version,
                base_version=base,
                author=author,
                message=str(message),
                created_at=now,
                content=content,
                content_hash=hashlib.sha256(content.encode()).hexdigest(),
                accounts=None if assignments is None else len(assignments),
            )
        )
        self._write_alignment(connection, _alignment_rows(plan_id, version, plan))
        rows = _assignment_rows(plan_id, version, assignments)
        for start in range(0, len(rows), 5000):
            connection.execute(assignments_table.insert(), rows[start : start + 5000])
        # Compare-and-set: the version moves only from the one this save read.
        moved = connection.execute(
            plans_table.update()
            .where((plans_table.c.plan_id == plan_id) & (plans_table.c.current_version == version - 1))
            .values(current_version=version, updated_at=now, name=plan.name[:200])
        )
        if moved.rowcount != 1:
            raise VersionConflict(plan_id, version - 1, -1, "another manager")
        return PlanVersion(
            plan_id, version, author, str(message), now, base, plan, None if assignments is None else len(assignments)
        )

    def _write_alignment(self, connection, rows: list[dict]) -> None:
        if rows:
            connection.execute(alignment_table.insert(), rows)

    def _log(self, connection, plan_id, version, actor, action, detail, *, at: datetime | None = None) -> None:
        connection.execute(
            audit_table.insert().values(
                at=_now() if at is None else _aware(at),
                plan_id=plan_id,
                version=version,
                actor=actor,
                action=action,
                detail=str(detail),
            )
        )


def unused_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or numbered so that none of ``taken`` has it (compared ignoring case and runs of spaces).

    The number goes inside a closing parenthesis ("FY27 (copy)" → "FY27 (copy 2)"), else after the name in one
    ("FY27" → "FY27 (2)"); the lowest free number from 2 is taken, and the name cut to keep within 200 characters.

    Parameters
    ----------
    name : str
        The name wanted.
    taken : iterable of str
        The names in use (the stored plans').

    Returns
    -------
    str

    Examples
    --------
    >>> unused_name("FY27 (v3 restored)", ["FY27", "FY27 (v3 restored)"])
    'FY27 (v3 restored 2)'
    >>> unused_name("FY27", ["fy27 ", "FY27 (2)"])
    'FY27 (3)'
    >>> unused_name("FY28", ["FY27"])
    'FY28'
    """

    def key(text: str) -> str:
        return " ".join(str(text).split()).casefold()

    used = {key(t) for t in taken}
    if key(name) not in used:
        return name
    stem, close = (name.rstrip()[:-1], ")") if name.rstrip().endswith(")") else (name.rstrip() + " (", ")")
    number = 2
    while True:
        tail = f"{'' if stem.endswith('(') else ' '}{number}{close}"
        numbered = stem[: 200 - len(tail)] + tail
        if key(numbered) not in used:
            return numbered
        number += 1


def _session_key(key: str) -> str:
    text = str(key or "").strip()
    if not text or len(text) > 64:
        raise StoreError(f"a session key is 1 to 64 characters; got {len(text)}")
    return text


def _who(author: str) -> str:
    text = str(author or "").strip()
    if not text:
        raise StoreError("say who is saving (author), so the history can show it")
    return text[:200]


def _working_copy(row) -> WorkingCopy:
    return WorkingCopy(
        session_key=row.session_key,
        plan_id=row.plan_id,
        version=row.version,
        author=row.author,
        updated_at=_aware(row.updated_at),
        plan=plan_from_dict(json.loads(row.content), source=f"unsaved changes of session {row.session_key}"),
        accounts_source=row.accounts_source,
    )


def _record(row) -> PlanRecord:
    restored = (row.restored_from_plan, row.restored_from_version) if row.restored_from_plan is not None else None
    return PlanRecord(
        plan_id=row.plan_id,
        name=row.name,
        status=row.status,
        current_version=row.current_version,
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
        restored_from=restored,
    )


def _version(row) -> PlanVersion:
    return PlanVersion(
        plan_id=row.plan_id,
        version=row.version,
        author=row.author,
        message=row.message,
        created_at=_aware(row.created_at),
        base_version=row.base_version,
        plan=plan_from_dict(json.loads(row.content), source=f"plan {row.plan_id} version {row.version}"),
        accounts=row.accounts,
    )


def _make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # (made 0600: it holds every tab's session key and the saved assignments, and SQLite gives its journal
            # files the database's permissions; made 0644, any user of the machine could read them, a security review)
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            with contextlib.suppress(OSError):  # (one made before, 0644: for the app alone too)
                if os.stat(path).st_mode & 0o077:
                    os.chmod(path, 0o600)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            # Let SQLAlchemy's "begin" below start transactions: BEGIN IMMEDIATE takes the write lock at the
            # start, so two saves queue instead of both reading version n and one failing late.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_pre_ping=True)
