"""Reads an extract of `finsam export` in DuckDB, through its views.sql, and prints
the counts tests/workbench.rs compares with `finsam sql`, as one JSON object.

    python3 duckdb_uttag.py UTTAGETS_MAPP
"""
import json
import os
import sys

import duckdb

os.chdir(sys.argv[1])
con = duckdb.connect()
with open("views.sql", encoding="utf-8") as views:
    con.execute(views.read())
rows = lambda sql: [list(row) for row in con.execute(sql).fetchall()]
print(
    json.dumps(
        {
            "personer": rows(
                "SELECT projekt, halvar, count(DISTINCT person) FROM deltagare "
                "GROUP BY ALL ORDER BY ALL"
            ),
            "deltaganden": rows("SELECT count(*) FROM deltagande"),
            "avbrott": rows(
                "SELECT k.etikett, count(*) FROM deltagande d JOIN kod_avslutsorsak k "
                "ON k.kod = d.avslutsorsak GROUP BY ALL ORDER BY ALL"
            ),
            "funktioner": rows(
                "SELECT halvar_start('2008H1'), halvar_slut('2008H2'), period_slut('2009'), "
                "i_urval('SIGMA', 'kompis, sigma'), i_urval('SIGMA', 'KOMPIS'), i_urval('X', 'alla')"
            ),
        },
        default=str,
    )
)
