"""The plan store on SQLite and, when a server is available (always in CI), on PostgreSQL."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace

import pandas as pd
import pytest
import sqlalchemy as sa

from territory import load_plan
from territory.store import PlanNotFound, PlanStore, StoreError, VersionConflict, default_database_url, metadata
from tests.conftest import DEMO_PLAN, ROOT


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/plans.sqlite"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(url):
    store = PlanStore(url)
    yield store
    store.close()


@pytest.fixture
def plan():
    return load_plan(DEMO_PLAN)


def renamed(plan, name):
    return replace(plan, name=name)


ASSIGNMENTS = pd.DataFrame(
    {
        "account_id": ["a1", "a2", "a3"],
        "territory_id": ["NAE", "USW", None],
        "rep_id": ["R01", None, None],
        "status": ["assigned", "unassigned", "unassigned"],
        "value": [10.0, 20.0, 30.0],
    }
)


def test_migrations_make_the_schema_the_code_expects(store):
    inspector = sa.inspect(store.engine)
    for table in metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name
    store.migrate()  # a second run is a no-op
    assert "alembic_version" in inspector.get_table_names()


def test_create_save_load_round_trip(store, plan):
    first = store.create_plan(plan, author="ana", assignments=ASSIGNMENTS)
    assert (first.version, first.base_version) == (1, None)
    record = store.plan_record(first.plan_id)
    assert (record.status, record.current_version, record.name) == ("draft", 1, plan.name)
    loaded = store.load(first.plan_id)
    assert loaded.plan == plan and loaded.author == "ana" and loaded.accounts == 3
    pd.testing.assert_frame_equal(store.assignments(first.plan_id, 1), ASSIGNMENTS, check_dtype=False)
    alignment = store.alignment(first.plan_id, 1)
    assert ("US-NY", "NAE") in set(zip(alignment["region_id"], alignment["territory_id"], strict=True))
    second = store.save(first.plan_id, renamed(plan, "FY27 v2"), base_version=1, author="bo", message="Renamed")
    assert (second.version, second.base_version) == (2, 1)
    assert store.load(first.plan_id).plan.name == "FY27 v2"
    assert store.load(first.plan_id, 1).plan.name == plan.name  # versions are immutable
    assert [v.message for v in store.versions(first.plan_id)] == ["Created", "Renamed"]
    assert store.plan_record(first.plan_id).name == "FY27 v2"


def test_a_plan_survives_a_restart(url, plan):
    first = PlanStore(url)
    saved = first.create_plan(plan, author="ana")
    first.close()
    again = PlanStore(url)
    assert again.load(saved.plan_id).plan == plan
    again.close()


def test_a_stale_save_is_a_conflict_and_writes_nothing(store, plan):
    first = store.create_plan(plan, author="ana")
    store.save(first.plan_id, renamed(plan, "ana's"), base_version=1, author="ana", message="mine")
    with pytest.raises(VersionConflict, match="saved as version 2 by ana after version 1") as caught:
        store.save(first.plan_id, renamed(plan, "bo's"), base_version=1, author="bo", message="theirs",
                   edits=["Moved Vermont to North America East"])  # fmt: skip
    assert (caught.value.base_version, caught.value.current_version) == (1, 2)
    assert [v.version for v in store.versions(first.plan_id)] == [1, 2]
    assert store.load(first.plan_id).plan.name == "ana's"
    # Nor does the audit log say bo's edits were made (a new user's test: they never became a version).
    assert list(store.audit(first.plan_id)["action"]) == ["create", "save"]


def test_a_saves_edits_are_logged_with_it_on_the_version_they_were_made_on(store, plan):
    first = store.create_plan(plan, author="ana")
    store.save(first.plan_id, plan, base_version=1, author="ana", message="east", edits=["Moved A", "Moved B"])
    log = store.audit(first.plan_id)
    assert list(log["action"]) == ["create", "edit", "edit", "save"]
    assert list(log["detail"].iloc[1:3]) == ["Moved A", "Moved B"] and list(log["version"]) == [1, 1, 1, 2]


def test_each_edit_is_logged_at_the_time_it_was_made(store, plan):
    # (every edit read the time of the save: seven edits over three minutes, one time, a new user's test)
    from datetime import UTC, datetime

    first = store.create_plan(plan, author="ana")
    made = [datetime(2026, 12, 4, 23, 5, tzinfo=UTC), datetime(2026, 12, 4, 23, 8, 30, tzinfo=UTC)]
    store.save(first.plan_id, plan, base_version=1, author="ana", message="east",
               edits=[(made[0], "Moved A"), (made[1], "Moved B")])  # fmt: skip
    log = store.audit(first.plan_id)
    edits = log[log["action"] == "edit"]
    assert [pd.Timestamp(t).tz_convert("UTC") if pd.Timestamp(t).tzinfo else pd.Timestamp(t).tz_localize("UTC")
            for t in edits["at"]] == [pd.Timestamp(m) for m in made]  # fmt: skip
    assert pd.Timestamp(log[log["action"] == "save"]["at"].iloc[0]).year >= 2026


def test_a_plan_not_active_is_deleted_with_its_versions_and_the_audit_log_says_so(store, plan):
    first = store.create_plan(plan, author="ana")
    kept = store.create_plan(renamed(plan, "FY28"), author="ana")
    store.save(first.plan_id, renamed(plan, "FY27 east"), base_version=1, author="ana", message="east")
    store.activate(kept.plan_id, author="ana")
    with pytest.raises(StoreError, match="is the active plan; activate another plan first"):
        store.delete_plan(kept.plan_id, author="bo")
    assert store.delete_plan(first.plan_id, author="bo") == "FY27 east"
    assert [r.plan_id for r in store.plans()] == [kept.plan_id]
    with pytest.raises(PlanNotFound):
        store.load(first.plan_id)
    assert store.assignments(first.plan_id, 1).empty
    log = store.audit(first.plan_id)
    assert list(log["action"]) == ["create", "save", "delete"]
    assert log["detail"].iloc[-1] == "FY27 east (2 versions)" and log["actor"].iloc[-1] == "bo"
    with pytest.raises(PlanNotFound):
        store.delete_plan(first.plan_id, author="bo")


def test_saves_need_an_author_and_a_message(store, plan):
    first = store.create_plan(plan, author="ana")
    with pytest.raises(StoreError, match="needs a message"):
        store.save(first.plan_id, plan, base_version=1, author="ana", message="  ")
    with pytest.raises(StoreError, match="say who is saving"):
        store.save(first.plan_id, plan, base_version=1, author="", message="x")
    with pytest.raises(PlanNotFound, match="no plan 99"):
        store.load(99)
    with pytest.raises(PlanNotFound, match="has no version 5"):
        store.load(first.plan_id, 5)


def test_one_active_plan_at_a_time(store, plan):
    a = store.create_plan(renamed(plan, "A"), author="ana").plan_id
    b = store.create_plan(renamed(plan, "B"), author="ana").plan_id
    assert store.activate(a, author="ana").status == "active"
    assert store.activate(b, author="bo").status == "active"
    assert store.plan_record(a).status == "archived"
    assert store.active_plan().plan_id == b
    assert [r.plan_id for r in store.plans("active")] == [b]
    with pytest.raises(StoreError, match="archived; restore"):
        store.activate(a, author="ana")
    # The database itself refuses a second active plan.
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE plans SET status = 'active' WHERE plan_id = :a"), {"a": a})


def test_an_archived_plan_is_read_only_and_restores_as_a_new_draft(store, plan):
    first = store.create_plan(plan, author="ana", assignments=ASSIGNMENTS)
    store.save(first.plan_id, renamed(plan, "later"), base_version=1, author="ana", message="later")
    store.archive(first.plan_id, author="ana")
    with pytest.raises(StoreError, match="archived"):
        store.save(first.plan_id, plan, base_version=2, author="ana", message="again")
    restored = store.restore(first.plan_id, 1, author="bo")
    assert restored.plan_id != first.plan_id and restored.version == 1
    record = store.plan_record(restored.plan_id)
    assert (record.status, record.restored_from) == ("draft", (first.plan_id, 1))
    assert restored.plan == renamed(plan, f"{plan.name} (v1 restored)")
    assert len(store.assignments(restored.plan_id, 1)) == 3
    assert store.plan_record(first.plan_id).current_version == 2  # the old plan is untouched


def test_restored_drafts_are_named_after_where_they_came_from_each_name_once(store, plan):
    # Three restores of one version were three plans named alike in the list ("Demo FY27 plan" three times).
    first = store.create_plan(renamed(plan, "FY27"), author="ana")
    store.save(first.plan_id, renamed(plan, "FY27"), base_version=1, author="ana", message="v2")
    names = [store.restore(first.plan_id, 2, author="bo").plan.name for _ in range(3)]
    assert names == ["FY27 (v2 restored)", "FY27 (v2 restored 2)", "FY27 (v2 restored 3)"]
    assert [store.load(r.plan_id).plan.name for r in store.plans()][:3] == names[::-1]  # the stored plans say so too
    long = store.create_plan(renamed(plan, "x" * 200), author="ana")
    assert store.restore(long.plan_id, 1, author="bo").plan.name == "x" * 186 + " (v1 restored)"


def test_a_new_draft_with_a_name_taken_is_numbered_only_when_asked(store, plan):
    store.create_plan(renamed(plan, "FY27 (copy)"), author="ana")
    assert (
        store.create_plan(renamed(plan, "fy27  (COPY)"), author="ana", unique_name=True).plan.name == "fy27  (COPY 2)"
    )
    assert store.create_plan(renamed(plan, "FY27"), author="ana", unique_name=True).plan.name == "FY27"
    assert store.create_plan(renamed(plan, "FY27"), author="ana", unique_name=True).plan.name == "FY27 (2)"
    assert store.create_plan(renamed(plan, "FY27"), author="ana").plan.name == "FY27"  # (as before: a plain create)


def test_the_audit_log(store, plan):
    first = store.create_plan(plan, author="ana")
    store.log_edit(first.plan_id, actor="ana", detail="Moved US-NJ to North America East")
    store.save(first.plan_id, plan, base_version=1, author="ana", message="NJ to the east")
    store.activate(first.plan_id, author="bo")
    store.archive(first.plan_id, author="bo")
    log = store.audit(first.plan_id)
    assert list(log["action"]) == ["create", "edit", "save", "activate", "archive"]
    assert list(log["actor"]) == ["ana", "ana", "ana", "bo", "bo"]
    assert log["detail"].iloc[1] == "Moved US-NJ to North America East"
    assert log["at"].is_monotonic_increasing


def test_a_save_killed_half_way_leaves_the_previous_version(store, plan, monkeypatch):
    first = store.create_plan(plan, author="ana", assignments=ASSIGNMENTS)

    def crash(*args, **kwargs):
        raise RuntimeError("power cut after the first table write")

    # plan_versions is written first; the crash comes before the alignment rows.
    monkeypatch.setattr(PlanStore, "_write_alignment", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        store.save(
            first.plan_id, renamed(plan, "half"), base_version=1, author="ana", message="x", assignments=ASSIGNMENTS
        )
    monkeypatch.undo()
    assert store.plan_record(first.plan_id).current_version == 1
    assert [v.version for v in store.versions(first.plan_id)] == [1]
    assert store.load(first.plan_id).plan == plan
    with store.engine.connect() as connection:
        for table in ("plan_versions", "version_alignment", "version_assignments"):
            count = connection.execute(sa.text(f"SELECT count(*) FROM {table} WHERE version = 2")).scalar()
            assert count == 0, table
    # And the store works on: the next save is version 2.
    assert store.save(first.plan_id, plan, base_version=1, author="ana", message="retry").version == 2


def test_two_managers_saving_the_same_draft_at_once(store, plan):
    """100 rounds of two writers saving on the same base version: one wins, one gets a conflict, none lost."""
    plan_id = store.create_plan(plan, author="setup").plan_id
    rounds = 100
    outcomes: dict[int, list[str]] = {}
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for n in range(1, rounds + 1):
                barrier.wait(timeout=30)
                try:
                    store.save(plan_id, renamed(plan, f"{name}-{n}"), base_version=n, author=name, message=f"round {n}")
                    outcomes.setdefault(n, []).append(f"won:{name}")
                except VersionConflict:
                    outcomes.setdefault(n, []).append(f"conflict:{name}")
                barrier.wait(timeout=30)
        except BaseException as error:  # surfaced below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("ana", "bo")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    for n in range(1, rounds + 1):
        kinds = sorted(o.split(":")[0] for o in outcomes[n])
        assert kinds == ["conflict", "won"], (n, outcomes[n])
    versions = store.versions(plan_id)
    assert [v.version for v in versions] == list(range(1, rounds + 2))
    for version in versions[1:]:
        winner = next(o.split(":")[1] for o in outcomes[version.version - 1] if o.startswith("won"))
        assert version.plan.name == f"{winner}-{version.version - 1}" and version.author == winner
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT content, content_hash FROM plan_versions")).all()
    assert all(hashlib.sha256(c.encode()).hexdigest() == h for c, h in rows)


def test_default_database_url(monkeypatch, tmp_path):
    monkeypatch.delenv("TERRITORY_DATABASE_URL", raising=False)
    monkeypatch.setenv("TERRITORY_DATA_DIR", str(tmp_path / "data"))
    assert default_database_url() == f"sqlite:///{tmp_path / 'data' / 'territory.sqlite'}"
    monkeypatch.setenv("TERRITORY_DATABASE_URL", "postgresql+psycopg://x@db/plans")
    assert default_database_url() == "postgresql+psycopg://x@db/plans"


# -- working copies (unsaved plans kept across a browser reload) -----------------------------------------------------


def test_a_working_copy_is_kept_replaced_and_dropped(store, plan):
    first = store.create_plan(plan, author="ana")
    assert store.working_copy("tab-1") is None
    store.keep_working_copy("tab-1", renamed(plan, "draft edits"), plan_id=first.plan_id, version=1, author="ana")
    store.keep_working_copy("tab-1", renamed(plan, "more edits"), plan_id=first.plan_id, version=1, author="ana")
    store.keep_working_copy("tab-2", renamed(plan, "bo's"), plan_id=None, version=None, author="bo")
    kept = store.working_copy("tab-1")
    assert (kept.plan.name, kept.plan_id, kept.version, kept.author) == ("more edits", first.plan_id, 1, "ana")
    assert store.working_copy("tab-2").plan.name == "bo's" and store.working_copy("tab-2").plan_id is None
    store.drop_working_copy("tab-1")
    assert store.working_copy("tab-1") is None and store.working_copy("tab-2") is not None
    # not a version, and not in the audit log
    assert [v.version for v in store.versions(first.plan_id)] == [1]
    assert "more edits" not in " ".join(store.audit()["detail"])


def test_old_working_copies_are_dropped_when_another_is_kept(store, plan, monkeypatch):
    import territory.store as module

    store.keep_working_copy("old", plan, plan_id=None, version=None, author="ana")
    later = module._now() + module.timedelta(days=module.WORKING_COPY_DAYS + 1)
    monkeypatch.setattr(module, "_now", lambda: later)
    store.keep_working_copy("new", plan, plan_id=None, version=None, author="ana")
    assert store.working_copy("old") is None and store.working_copy("new") is not None


@pytest.mark.parametrize("key", ["", " ", "x" * 65])
def test_a_working_copy_needs_a_session_key(store, plan, key):
    with pytest.raises(StoreError, match="session key"):
        store.keep_working_copy(key, plan, plan_id=None, version=None, author="ana")


def test_a_store_made_before_working_copies_is_upgraded_and_keeps_its_plans(tmp_path, plan):
    from alembic import command
    from alembic.config import Config

    url = f"sqlite:///{tmp_path}/old.sqlite"
    old = PlanStore(url, migrate=False)
    config = Config()
    config.set_main_option("script_location", str(ROOT / "territory" / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    with old.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    first = old.create_plan(plan, author="ana")
    old.close()
    store = PlanStore(url)  # opens with the newest schema
    assert store.load(first.plan_id).plan == plan
    store.keep_working_copy("tab", plan, plan_id=first.plan_id, version=1, author="ana")
    assert store.working_copy("tab").plan == plan
    store.close()


def test_a_working_copy_names_the_accounts_file_it_was_made_with(store, plan):
    store.keep_working_copy("tab", plan, plan_id=None, version=None, author="ana", accounts_source="q3.csv")
    assert store.working_copy("tab").accounts_source == "q3.csv"
    store.keep_working_copy("tab", plan, plan_id=None, version=None, author="ana")
    assert store.working_copy("tab").accounts_source is None


def test_every_kept_working_copy_is_listed_latest_first_and_unreadable_ones_named(store, plan, monkeypatch):
    import territory.store as module

    assert store.working_copies() == ([], [])
    start = module._now()
    for minutes, key, name in ((0, "tab-a", "first"), (5, "tab-b", "second")):
        monkeypatch.setattr(module, "_now", lambda minutes=minutes: start + module.timedelta(minutes=minutes))
        store.keep_working_copy(key, renamed(plan, name), plan_id=None, version=None, author="ana")
    with store.engine.begin() as connection:  # a copy that no longer reads as a plan
        connection.execute(module.working_table.insert().values(
            session_key="tab-c", plan_id=None, version=None, author="bo", updated_at=start, content='{"name": 1}'))  # fmt: skip
    copies, unreadable = store.working_copies()
    assert [(c.session_key, c.plan.name) for c in copies] == [("tab-b", "second"), ("tab-a", "first")]
    assert unreadable == ["tab-c"]


def test_uploads_are_kept_private_pruned_oldest_first_and_written_anew_when_damaged(tmp_path):
    import os
    import stat

    from territory.store import KEPT_UPLOADS, keep_upload, kept_upload

    digests = []
    for i in range(KEPT_UPLOADS):
        digests.append(keep_upload(f"id\n{i}\n".encode(), tmp_path))
        os.utime(tmp_path / digests[-1], (1_000_000 + i, 1_000_000 + i))  # (each older than the next)
    assert kept_upload(digests[0], tmp_path) == b"id\n0\n"  # (read: the newest now, not pruned next)
    keep_upload(b"id\nnew\n", tmp_path)
    left = {p.name for p in tmp_path.iterdir()}
    assert len(left) == KEPT_UPLOADS and digests[0] in left and digests[1] not in left
    digests[1] = digests[0]
    assert stat.S_IMODE((tmp_path / digests[1]).stat().st_mode) == 0o600
    (tmp_path / digests[1]).write_bytes(b"damaged")
    assert kept_upload(digests[1], tmp_path) is None
    assert keep_upload(b"id\n0\n", tmp_path) == digests[1] and kept_upload(digests[1], tmp_path) == b"id\n0\n"


def test_a_kept_upload_is_private_while_it_is_written_and_the_database_file_too(tmp_path, monkeypatch):
    # A security review: the kept upload's temporary file was 0644 while it was written (another user read a 60 MB
    # upload through it), the uploads folder 0755 and the SQLite file, with every tab's session key, 0644.
    import os
    import stat

    from territory.store import keep_upload

    seen = []
    replace_file = os.replace

    def watching(source, target):
        seen.append(stat.S_IMODE(os.stat(source).st_mode))
        return replace_file(source, target)

    monkeypatch.setattr(os, "replace", watching)
    folder = tmp_path / "uploads"
    keep_upload(b"id,name\n1,ACME\n", folder)
    assert seen == [0o600] and stat.S_IMODE(folder.stat().st_mode) == 0o700
    store = PlanStore(f"sqlite:///{tmp_path}/plans.sqlite")
    try:
        store.plans()
        assert stat.S_IMODE((tmp_path / "plans.sqlite").stat().st_mode) == 0o600
    finally:
        store.close()
