"""A real client of `finsam serve --postgres`: psycopg, pandas.read_sql over psycopg
and over SQLAlchemy. Prints what it read as one JSON object, for tests/workbench.rs.

    python3 postgres_klient.py PORT KONTO LÖSENORD
"""
import json
import sys
import warnings

import pandas as pd
import psycopg
import sqlalchemy as sa

port, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
answer = {}
with psycopg.connect(
    host="127.0.0.1", port=port, dbname="finsam", user=user, password=password
) as conn:
    with conn.cursor() as cur:
        # A join, with a parameter bound by the server (extended protocol).
        cur.execute(
            "SELECT d.projekt, count(DISTINCT d.person) FROM deltagare d "
            "JOIN projekt p ON p.kortnamn = d.projekt WHERE d.halvar = %s "
            "GROUP BY d.projekt ORDER BY d.projekt",
            ("2008H1",),
        )
        answer["personer"] = [list(row) for row in cur.fetchall()]
        # A code-list lookup.
        cur.execute("SELECT etikett FROM kod_avslutsorsak WHERE kod = %s", ("avbrott",))
        answer["etikett"] = cur.fetchone()[0]
        # What may not run is refused, and the connection goes on.
        try:
            cur.execute("CREATE TABLE t AS SELECT 1")
            answer["ddl"] = "kördes"
        except psycopg.Error as error:
            answer["ddl"] = str(error).strip()
    conn.rollback()
    with conn.cursor() as cur:
        # A query that would write its result, with a parameter (extended protocol).
        try:
            cur.execute("SELECT * INTO kopia FROM deltagare WHERE projekt = %s", ("SIGMA",))
            answer["into"] = "kördes"
        except psycopg.Error as error:
            answer["into"] = str(error).strip()
    conn.rollback()
    with warnings.catch_warnings():
        # pandas prefers SQLAlchemy but reads a psycopg connection as well.
        warnings.simplefilter("ignore")
        frame = pd.read_sql(
            "SELECT kon, count(*) AS n FROM deltagare WHERE projekt = %(p)s "
            "GROUP BY kon ORDER BY kon",
            conn,
            params={"p": "SIGMA"},
        )
    answer["pandas"] = frame.to_dict(orient="records")

engine = sa.create_engine(f"postgresql+psycopg://{user}:{password}@127.0.0.1:{port}/finsam")
frame = pd.read_sql(
    sa.text("SELECT count(*) AS n FROM deltagare WHERE projekt = :p"), engine, params={"p": "SIGMA"}
)
answer["sqlalchemy"] = int(frame["n"][0])
print(json.dumps(answer, ensure_ascii=False))
