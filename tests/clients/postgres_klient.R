# A real R client of `finsam serve --postgres`: DBI with RPostgreSQL (Debian's
# r-cran-rpostgresql). Prints what it read, one "namn: värde" per line, for
# tests/workbench.rs.
#   Rscript postgres_klient.R PORT KONTO LÖSENORD
args <- commandArgs(trailingOnly = TRUE)
library(DBI)
con <- dbConnect(RPostgreSQL::PostgreSQL(), host = "127.0.0.1", port = as.integer(args[1]),
                 dbname = "finsam", user = args[2], password = args[3])
# A join.
personer <- dbGetQuery(con, paste(
  "SELECT d.projekt, count(DISTINCT d.person) AS personer FROM deltagare d",
  "JOIN projekt p ON p.kortnamn = d.projekt WHERE d.halvar = '2008H1'",
  "GROUP BY d.projekt ORDER BY d.projekt"))
for (i in seq_len(nrow(personer))) cat("personer:", personer$projekt[i], personer$personer[i], "\n")
# A parameterised query: the value is bound by the server, not pasted into the SQL.
res <- dbSendQuery(con, "SELECT count(*) AS n FROM deltagare WHERE projekt = $1", list("SIGMA"))
cat("sigma:", dbFetch(res)$n, "\n")
dbClearResult(res)
# A code-list lookup.
cat("etikett:", dbGetQuery(con, "SELECT etikett FROM kod_avslutsorsak WHERE kod = 'avbrott'")$etikett, "\n")
invisible(dbDisconnect(con))
