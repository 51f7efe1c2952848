-- Titel: Tidigare deltagare med uppföljning
-- Figurer: 2
-- Räknar: personer som avslutades före periodens första dag (samtycke, inte felregistrering)
--         och som har en insats av typen uppföljning som börjar i perioden.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $halvar (t.ex. 2008H1)
SELECT count(DISTINCT d.person) AS uppfoljda
FROM deltagare d
JOIN insatser i ON i.person = d.person AND i.projekt = d.projekt
WHERE d.halvar = $halvar
  AND i_urval(d.projekt, $projekt)
  AND d.avslutad < halvar_start($halvar)
  AND d.samtycke
  AND NOT EXISTS (SELECT 1 FROM kod_avslutsorsak k WHERE k.exkluderas AND k.kod = d.avslutsorsak)
  AND i.typ = 'uppfoljning'
  AND i.start BETWEEN halvar_start($halvar) AND halvar_slut($halvar)
