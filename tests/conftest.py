from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEMO_ACCOUNTS = ROOT / "data" / "demo" / "accounts.csv"
DEMO_PLAN = ROOT / "data" / "demo" / "plan.json"
# The pages that show the open plan and its figures (the Plans, Edit and Rebalance pages have flows of their own).
FIGURE_PAGES = (
    "pages/overview.py",
    "pages/coverage_map.py",
    "pages/balance.py",
    "pages/accounts.py",
    "pages/reps.py",
    "pages/data_sources.py",
)
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def write_csv(tmp_path):
    """Write CSV text to a file and return its path."""

    def write(text: str, name: str = "accounts.csv") -> Path:
        path = tmp_path / name
        path.write_text(text.lstrip(), encoding="utf-8")
        return path

    return write


@functools.lru_cache(maxsize=1)
def demo_state():
    """The state the dashboard starts from (demo plan and accounts), computed with territory/ and geo/ alone."""
    from geo.accounts import read_accounts
    from geo.boundaries import region_table
    from geo.join import locate_accounts
    from territory import load_plan
    from territory.edits import start
    from territory.scoring import score_accounts

    plan = load_plan(DEMO_PLAN)
    accounts = locate_accounts(read_accounts(DEMO_ACCOUNTS.read_bytes(), filename="accounts.csv").accounts).accounts
    scores = score_accounts(accounts, plan.settings.scoring)
    accounts = accounts.assign(score=scores["score"].to_numpy(), activation_tier=scores["activation_tier"].to_numpy())
    return start(plan, accounts, region_table())


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server for the storage tests: ``$TERRITORY_TEST_POSTGRES_URL``, else Debian's postgresql
    started on 127.0.0.1 in a temporary folder (skipped when not installed; under CI=true that is a failure)."""
    import glob
    import os
    import pwd
    import shutil
    import socket
    import subprocess

    url = os.environ.get("TERRITORY_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        message = "PostgreSQL is not installed (apt-get install postgresql); storage tests ran on SQLite only"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    bindir = os.path.dirname(binaries[-1])
    import tempfile
    from pathlib import Path

    # Not under pytest's tmp folder: that one is private to root, and the server runs as the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="territory-postgres-"))
    prefix = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as the postgres user
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = folder / "data"
    run = {"check": True, "capture_output": True, "text": True}
    subprocess.run(
        [*prefix, f"{bindir}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"], **run
    )
    options = f"-p {port} -k {folder} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=60"
    subprocess.run([*prefix, f"{bindir}/pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w",
                    "start"], **run)  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the test PostgreSQL server."""
    import uuid

    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(autouse=True, scope="session")
def _plan_store_in_a_temporary_folder():
    """Tests never write to the real data directory: the app's plan store goes to a temporary folder."""
    import os
    import tempfile

    saved = {k: os.environ.get(k) for k in ("TERRITORY_DATA_DIR", "TERRITORY_DATABASE_URL")}
    os.environ["TERRITORY_DATA_DIR"] = tempfile.mkdtemp(prefix="territory-test-data-")
    os.environ.pop("TERRITORY_DATABASE_URL", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def app_session(page: str | None = None):
    """A fresh dashboard session (Streamlit AppTest) run once, on ``page`` if given, with no exception."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    if page is not None:
        app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app
