import pytest

from service.config import CYPHER
from service.store.migrations import MigrationError, load_migrations


def test_shipped_migrations_are_ordered_and_idempotent():
    migrations = load_migrations(CYPHER / "migrations")
    assert [m.version for m in migrations] == sorted({m.version for m in migrations})
    for migration in migrations:
        for statement in migration.statements:
            # A claim left by a dead process is re-applied, so statements must be repeatable:
            # schema changes say IF NOT EXISTS; data changes are run twice in
            # tests/integration/test_migrations.py.
            if statement.lstrip().upper().startswith("CREATE"):
                assert "IF NOT EXISTS" in statement, (migration.name, statement)


def test_statements_split_on_semicolons_and_skip_comments(tmp_path):
    (tmp_path / "0002_two.cypher").write_text("// doc\nCREATE INDEX a IF NOT EXISTS FOR (n:A) ON (n.x);\n"
                                             "CREATE INDEX b IF NOT EXISTS FOR (n:B) ON (n.y)\n")
    (tmp_path / "0001_one.cypher").write_text("RETURN 1;")
    migrations = load_migrations(tmp_path)
    assert [(m.version, m.name, len(m.statements)) for m in migrations] == [(1, "one", 1), (2, "two", 2)]


def test_bad_names_and_duplicate_versions_are_refused(tmp_path):
    (tmp_path / "first.cypher").write_text("RETURN 1")
    with pytest.raises(MigrationError, match="NNNN_name"):
        load_migrations(tmp_path)
    (tmp_path / "first.cypher").unlink()
    (tmp_path / "0001_a.cypher").write_text("RETURN 1")
    (tmp_path / "0001_b.cypher").write_text("RETURN 2")
    with pytest.raises(MigrationError, match="share a version"):
        load_migrations(tmp_path)
