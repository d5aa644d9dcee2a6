"""gunicorn --preload makes the app in its master and forks the workers: a worker must open its
own database connections, never talk over one it inherited."""

from __future__ import annotations

import os

from hub.extensions import db


def test_a_forked_worker_opens_its_own_database_connections(app):
    inherited = db.session.connection().connection.driver_connection
    parent_pool = db.engine.pool
    assert parent_pool.checkedout() >= 1
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (the child reports through the pipe)
        try:
            # A plain driver connection: no BEGIN, which would wait for the parent's transaction.
            connection = db.engine.raw_connection()
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            own = connection.driver_connection is not inherited and cursor.fetchone()[0] == 1
            own = own and db.engine.pool is not parent_pool
            os.write(write, b"own" if own else b"inherited")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 20) == b"own"
    assert db.engine.pool is parent_pool  # the parent's connections are left alone
